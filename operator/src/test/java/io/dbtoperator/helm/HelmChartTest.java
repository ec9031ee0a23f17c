package io.dbtoperator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.dbtoperator.local.KubeControlPlane;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The chart lints clean and renders, with the defaults and with each example values file. */
class HelmChartTest {
  static final String UPDATE_PROPERTY = "dbt-operator.updateCrds";

  @Test
  void lintStrictIsClean() {
    LintResult result = new Helm(HelmChart.dir()).lint().strict().call();
    assertThat(result.getMessages())
        .as("helm lint --strict")
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
  }

  static Stream<Path> values() {
    List<Path> all = new ArrayList<>();
    all.add(null);
    all.addAll(HelmChart.exampleValues());
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("values")
  void rendersASecureDeploymentWithLeaderElection(Path values) {
    List<HasMetadata> objects = HelmChart.render(values);
    assertThat(objects.stream().map(HasMetadata::getKind))
        .contains(
            "ServiceAccount",
            "ClusterRole",
            "Role",
            "Deployment",
            "Service",
            "PodDisruptionBudget");

    Deployment deployment = HelmChart.only(objects, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container operator = pod.getContainers().get(0);
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(operator.getResources().getLimits()).containsKey("memory");
    assertThat(operator.getArgs())
        .startsWith("operator")
        .contains("--lease-namespace=dbt-operator")
        .anyMatch(a -> a.startsWith("--image="))
        .contains("--metrics-port=8080");
    assertThat(operator.getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getName()).isEqualTo("metrics"))
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
    assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPort().getStrVal())
        .isEqualTo("metrics");
    assertThat(operator.getReadinessProbe().getPeriodSeconds()).isEqualTo(5);
  }

  @Test
  void theMetricsServiceTargetsTheMetricsPort() {
    io.fabric8.kubernetes.api.model.Service service =
        HelmChart.only(HelmChart.render(null), io.fabric8.kubernetes.api.model.Service.class);
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics"))
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(8080));
  }

  @Test
  void allNamespacesIsAClusterRoleBinding() {
    List<HasMetadata> objects = HelmChart.render(null);
    assertThat(HelmChart.only(objects, ClusterRoleBinding.class).getRoleRef().getKind())
        .isEqualTo("ClusterRole");
    // Only the leader-election RoleBinding, in the release namespace.
    assertThat(objects.stream().filter(RoleBinding.class::isInstance).map(o -> o.getMetadata()))
        .extracting(m -> m.getNamespace())
        .containsExactly("dbt-operator");
  }

  @Test
  void aNamespaceListBindsTheSameClusterRoleInEachAndIsPassedToTheOperator() {
    List<HasMetadata> objects =
        HelmChart.render(HelmChart.dir().resolve("ci/namespaced-values.yaml"));
    assertThat(objects).noneMatch(ClusterRoleBinding.class::isInstance);
    List<RoleBinding> bindings =
        objects.stream()
            .filter(RoleBinding.class::isInstance)
            .map(RoleBinding.class::cast)
            .filter(b -> b.getRoleRef().getKind().equals("ClusterRole"))
            .toList();
    assertThat(bindings)
        .extracting(b -> b.getMetadata().getNamespace())
        .containsExactly("analytics", "finance");
    assertThat(HelmChart.only(objects, Deployment.class).getSpec().getTemplate().getSpec())
        .extracting(p -> p.getContainers().get(0).getArgs())
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .contains("--namespaces=analytics,finance");
  }

  /**
   * The chart's crds/ is a copy of the top-level crds/ (Helm installs CRDs only from the chart's
   * own directory). With -Ddbt-operator.updateCrds=true, as for CrdDriftTest, it is rewritten.
   */
  @Test
  void chartCrdsAreTheTopLevelOnes() throws IOException {
    Path source = KubeControlPlane.repositoryRoot().resolve("crds");
    Path copy = HelmChart.dir().resolve("crds");
    List<String> names = yamlNames(source);
    assertThat(names).isNotEmpty();
    if (Boolean.getBoolean(UPDATE_PROPERTY)) {
      for (String stale : yamlNames(copy)) {
        if (!names.contains(stale)) {
          Files.delete(copy.resolve(stale));
        }
      }
      for (String name : names) {
        Files.copy(
            source.resolve(name),
            copy.resolve(name),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    assertThat(yamlNames(copy))
        .as("helm/dbt-operator/crds; update with -D%s=true", UPDATE_PROPERTY)
        .isEqualTo(names);
    for (String name : names) {
      assertThat(Files.readString(copy.resolve(name)))
          .as(
              "helm/dbt-operator/crds/%s differs from crds/%s; update with -D%s=true",
              name, name, UPDATE_PROPERTY)
          .isEqualTo(Files.readString(source.resolve(name)));
    }
  }

  private static List<String> yamlNames(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".yml"))
          .sorted()
          .toList();
    }
  }
}
