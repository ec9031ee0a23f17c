package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dbtoperator.FreePort;
import io.dbtoperator.helm.HelmChart;
import io.dbtoperator.run.PostgresHarness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator as the chart installs it: the rendered ServiceAccount, RBAC and Deployment applied
 * to the real API server, kube-controller-manager making the ReplicaSet and the pod, the local
 * kubelet running that pod (in-cluster credentials from its projected ServiceAccount token, the
 * chart's arguments and environment), and that operator deploying the example project.
 */
class ChartDeploymentIT {
  @TempDir Path temp;

  @Test
  void theChartsDeploymentRunsAnOperatorThatDeploysTheExample() throws Exception {
    try (OperatorFixture f = new OperatorFixture(temp, "chart")) {
      String release = "chart-" + f.namespace.substring(f.namespace.length() - 5);
      int metricsPort = FreePort.pick();
      // One replica: the kubelet's pods are processes of this machine, and two would share the
      // metrics port (leader election between replicas is OperatorFailoverIT's).
      Path values = temp.resolve("values.yaml");
      java.nio.file.Files.writeString(
          values,
          """
          image: {repository: dbt-operator, tag: it}
          replicaCount: 1
          watchNamespaces: [%s]
          metrics: {port: %d}
          """
              .formatted(f.namespace, metricsPort));
      List<HasMetadata> objects = HelmChart.render(release, f.namespace, values, Map.of());
      for (HasMetadata object : objects) {
        f.client.resource(object).fieldManager("chart-deployment-it").serverSideApply();
      }
      Deployment deployment =
          objects.stream()
              .filter(Deployment.class::isInstance)
              .map(Deployment.class::cast)
              .findFirst()
              .orElseThrow();

      String c1 =
          f.git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("shop v1");
      f.client.resource(f.projectResource(c1)).create();
      await("project Ready at " + c1 + ", deployed by the chart's operator")
          .atMost(OperatorIT.DEPLOY)
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(
              () ->
                  assertThat(f.readyAt(c1))
                      .as(() -> f.diagnostics() + "\n" + operatorPods(f, deployment))
                      .isTrue());

      // The pod is the Deployment's, through its ReplicaSet; its log is the chart's JSON.
      Pod operatorPod = operatorPod(f, deployment);
      assertThat(operatorPod.getMetadata().getOwnerReferences())
          .extracting(o -> o.getKind())
          .containsExactly("ReplicaSet");
      String log =
          f.client
              .pods()
              .inNamespace(f.namespace)
              .withName(operatorPod.getMetadata().getName())
              .inContainer("operator")
              .getLog();
      assertThat(OperatorFixture.jsonLines(log))
          .anySatisfy(
              line -> {
                assertThat(line.get("formattedMessage").asText()).startsWith("Swapped");
                assertThat(line.at("/mdc/project").asText()).isEqualTo("shop");
              });
    }
  }

  private static Pod operatorPod(OperatorFixture f, Deployment deployment) {
    return f
        .client
        .pods()
        .inNamespace(f.namespace)
        .withLabels(deployment.getSpec().getSelector().getMatchLabels())
        .list()
        .getItems()
        .stream()
        .findFirst()
        .orElseThrow(() -> new AssertionError("no pod of " + deployment.getMetadata().getName()));
  }

  private static String operatorPods(OperatorFixture f, Deployment deployment) {
    StringBuilder text = new StringBuilder("operator pods:");
    for (Pod pod :
        f.client
            .pods()
            .inNamespace(f.namespace)
            .withLabels(deployment.getSpec().getSelector().getMatchLabels())
            .list()
            .getItems()) {
      text.append("\n")
          .append(pod.getMetadata().getName())
          .append(" ")
          .append(pod.getStatus().getPhase());
      try {
        text.append("\n")
            .append(
                OperatorFixture.tail(
                    f.client
                        .pods()
                        .inNamespace(f.namespace)
                        .withName(pod.getMetadata().getName())
                        .inContainer("operator")
                        .getLog(),
                    30));
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        text.append(" (no log: ").append(e.getMessage()).append(")");
      }
    }
    return text.toString();
  }
}
