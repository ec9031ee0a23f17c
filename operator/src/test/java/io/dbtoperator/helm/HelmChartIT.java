package io.dbtoperator.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.api.ExampleResources;
import io.dbtoperator.local.KubeControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every object the chart renders, with the defaults and with each example values file, passes a
 * server-side dry-run on the real kube-apiserver of the ITs: its real schemas, defaulting and
 * admission (Pod Security included), not a copy of them. The pods the operator itself creates (run
 * pods, clock CronJob pods) pass Pod Security "restricted" there too.
 */
class HelmChartIT {
  static final Map<String, String> RESTRICTED =
      Map.of(
          "pod-security.kubernetes.io/enforce", "restricted",
          "pod-security.kubernetes.io/enforce-version", "latest");

  static KubernetesClient client;

  @BeforeAll
  static void start() throws IOException {
    client = KubeControlPlane.get().client();
    // The ServiceMonitor's kind comes from the Prometheus Operator, which the control plane does
    // not have. A minimal CRD of the same group, version and kind (its schema left open) lets the
    // API server check everything but the ServiceMonitor's spec fields.
    try (InputStream in =
        HelmChartIT.class.getResourceAsStream("/helm/servicemonitors-minimal-crd.yaml")) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      var resource = client.apiextensions().v1().customResourceDefinitions().resource(crd);
      resource.fieldManager("helm-chart-it").forceConflicts().serverSideApply();
      resource.waitUntilCondition(
          c ->
              c != null
                  && c.getStatus() != null
                  // The API server writes a status before its first condition.
                  && c.getStatus().getConditions() != null
                  && c.getStatus().getConditions().stream()
                      .anyMatch(x -> x.getType().equals("Established")),
          60,
          TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @MethodSource("io.dbtoperator.helm.HelmChartTest#values")
  void everyRenderedObjectPassesAServerSideDryRun(Path values) {
    String namespace = restrictedNamespace();
    String release = "it-" + UUID.randomUUID().toString().substring(0, 6);
    List<HasMetadata> objects = HelmChart.render(release, namespace, values, Map.of());
    assertThat(objects).isNotEmpty();
    List<String> rejected = new ArrayList<>();
    for (HasMetadata object : objects) {
      // RoleBindings of watchNamespaces live in those namespaces: they must exist.
      String objectNamespace = object.getMetadata().getNamespace();
      if (objectNamespace != null && !objectNamespace.equals(namespace)) {
        ensureNamespace(objectNamespace);
      }
      try {
        HasMetadata accepted = client.resource(object).dryRun().create();
        assertThat(accepted.getMetadata().getUid()).isNotNull();
      } catch (KubernetesClientException e) {
        rejected.add(
            object.getKind() + " " + object.getMetadata().getName() + ": " + e.getMessage());
      }
    }
    assertThat(rejected).as("objects the API server rejects").isEmpty();

    // Pod Security is enforced on pods, not on Deployments: dry-run the pod the Deployment makes.
    Deployment deployment = HelmChart.only(objects, Deployment.class);
    assertPassesRestricted(namespace, deployment.getSpec().getTemplate());
  }

  /** The examples' resources, as a user would apply them, are valid on the real API server. */
  @Test
  void everyExampleResourcePassesAServerSideDryRun() {
    List<String> rejected = new ArrayList<>();
    List<ExampleResources.Document> documents = ExampleResources.all();
    assertThat(documents).extracting(ExampleResources.Document::kind).contains("DbtSchema");
    for (ExampleResources.Document document : documents) {
      ensureNamespace(document.tree().at("/metadata/namespace").asText());
      HasMetadata object = Serialization.unmarshal(document.tree().toString());
      try {
        assertThat(client.resource(object).dryRun().create().getMetadata().getUid()).isNotNull();
      } catch (KubernetesClientException e) {
        rejected.add(document + ": " + e.getMessage());
      }
    }
    assertThat(rejected).as("example resources the API server rejects").isEmpty();
  }

  @Test
  void runPodsAndClockPodsMeetPodSecurityRestricted() {
    String namespace = restrictedNamespace();
    for (String golden : List.of("run-pod.yaml", "parse-pod.yaml")) {
      Pod pod = golden(golden, Pod.class);
      assertThat(pod.getSpec().getAutomountServiceAccountToken()).as(golden).isFalse();
      pod.getMetadata().setNamespace(namespace);
      pod.getMetadata().setOwnerReferences(null);
      assertThat(client.resource(pod).dryRun().create().getMetadata().getUid()).isNotNull();
    }
    CronJob clock = golden("clock-cronjob.yaml", CronJob.class);
    assertPassesRestricted(namespace, clock.getSpec().getJobTemplate().getSpec().getTemplate());
  }

  /** Without enforcement the tests above would pass vacuously: a root pod must be refused. */
  @Test
  void theNamespaceReallyEnforcesRestricted() {
    String namespace = restrictedNamespace();
    Pod root =
        new PodBuilder()
            .withNewMetadata()
            .withName("root")
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage("busybox")
            .endContainer()
            .endSpec()
            .build();
    assertThatThrownBy(() -> client.resource(root).dryRun().create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted");
  }

  private static void assertPassesRestricted(String namespace, PodTemplateSpec template) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withGenerateName("template-")
            .withNamespace(namespace)
            .withLabels(template.getMetadata() == null ? null : template.getMetadata().getLabels())
            .endMetadata()
            .withSpec(template.getSpec())
            .build();
    // The ServiceAccount the template names need not exist for admission.
    pod.getSpec().setServiceAccountName(null);
    assertThat(client.resource(pod).dryRun().create().getMetadata().getUid()).isNotNull();
  }

  private static <T> T golden(String name, Class<T> type) {
    try (InputStream in = HelmChartIT.class.getResourceAsStream("/golden/k8s/" + name)) {
      return Serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String restrictedNamespace() {
    String name = KubeControlPlane.get().createNamespace("helm");
    Namespace namespace = client.namespaces().withName(name).get();
    namespace.getMetadata().getLabels().putAll(RESTRICTED);
    client.resource(namespace).update();
    return name;
  }

  private static void ensureNamespace(String name) {
    if (client.namespaces().withName(name).get() == null) {
      client
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
  }
}
