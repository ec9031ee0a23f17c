package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.local.ImageMap;
import io.dbtoperator.local.KubeControlPlane;
import io.dbtoperator.local.LocalKubelet;
import io.dbtoperator.run.GitFixture;
import io.dbtoperator.run.PostgresHarness;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.PostgresSettings;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the operator ITs share: a namespace on the real control plane, a local kubelet running its
 * pods, a database, a git repository with the example project, the warehouse Secret, and the
 * DbtProject pointing at them all.
 */
final class OperatorFixture implements AutoCloseable {
  static final String PASSWORD = "dbt-secret";

  final Path temp;
  final KubeControlPlane cluster;
  final KubernetesClient client;
  final String namespace;
  final PostgresSettings pg;
  final GitFixture git;
  private final LocalKubelet kubelet;
  final List<OperatorProcess> operators = new ArrayList<>();

  OperatorFixture(Path temp, String prefix) throws IOException {
    this.temp = temp;
    cluster = KubeControlPlane.get();
    client = cluster.client();
    namespace = cluster.createNamespace(prefix);
    pg = PostgresHarness.newDatabase(prefix);
    git = new GitFixture(temp.resolve("repo"));
    kubelet =
        LocalKubelet.builder(client)
            .nodeName("kubelet-" + namespace)
            .namespaces(List.of(namespace))
            .images(
                ImageMap.builder()
                    .entrypoint(
                        OperatorProcess.IMAGE,
                        List.of("java", "-jar", OperatorProcess.jar().toString()))
                    .entrypoint(
                        "ghcr.io/dbt-labs/dbt-postgres:1.10.15",
                        List.of(PostgresHarness.dbt().toString()))
                    .build())
            .workDirectory(Files.createDirectories(temp.resolve("kubelet")))
            .start();
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("shop-pg")
                .endMetadata()
                .withStringData(Map.of("password", PASSWORD))
                .build())
        .create();
  }

  /** Starts an operator process whose log is {@code operator-N.log} in the temp directory. */
  OperatorProcess startOperator(String... options) {
    return startOperator(Map.of(), options);
  }

  OperatorProcess startOperator(Map<String, String> environment, String... options) {
    OperatorProcess operator =
        OperatorProcess.start(
            cluster.kubeconfig(),
            temp.resolve("operator"),
            temp.resolve("operator-" + operators.size() + ".log"),
            environment,
            options);
    operators.add(operator);
    return operator;
  }

  DbtProject projectResource(String commit) {
    String yaml =
        """
        apiVersion: dbtoperator.io/v1alpha1
        kind: DbtProject
        metadata: {name: shop, namespace: %s}
        spec:
          git: {url: "%s", commit: "%s"}
          warehouse:
            type: postgres
            postgres: {host: localhost, port: %d, database: %s, user: dbt, schema: public}
            secretRef: {name: shop-pg, passwordKey: password}
          state: {type: sqlite, sqlite: {path: "%s"}}
          artifacts: {type: local, local: {path: "%s"}}
          clock: "* * * * *"
        """
            .formatted(
                namespace,
                git.dir(),
                commit,
                pg.port(),
                pg.database(),
                temp.resolve("state.db"),
                temp.resolve("artifacts"));
    return Serialization.unmarshal(yaml, DbtProject.class);
  }

  DbtProject project() {
    return client.resources(DbtProject.class).inNamespace(namespace).withName("shop").get();
  }

  List<DbtSchema> schemas() {
    return client.resources(DbtSchema.class).inNamespace(namespace).list().getItems();
  }

  Optional<DbtSchema> schema(String name) {
    return schemas().stream().filter(s -> s.getSpec().schema().equalsIgnoreCase(name)).findFirst();
  }

  static Optional<Condition> condition(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  boolean readyAt(String commit) {
    DbtProject project = project();
    return project != null
        && project.getStatus() != null
        && commit.equals(project.getStatus().liveCommit())
        && condition(project.getStatus().conditions(), "Ready")
            .map(c -> "True".equals(c.getStatus()))
            .orElse(false);
  }

  void mergePatch(String json) {
    client
        .resources(DbtProject.class)
        .inNamespace(namespace)
        .withName("shop")
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  void pin(String commit) {
    mergePatch("{\"spec\":{\"git\":{\"commit\":\"" + commit + "\"}}}");
  }

  List<String> reasons() {
    return client.events().v1().events().inNamespace(namespace).list().getItems().stream()
        .map(e -> e.getReason())
        .toList();
  }

  /** The run history of a schema, newest first, from the state store the operator writes. */
  List<RunRecord> runs(String schema) {
    try (StateStore store = SqliteStateStore.open(temp.resolve("state.db"), Clock.systemUTC())) {
      return store.runs("shop", schema, null, 50).runs();
    }
  }

  String kubectl(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(cluster.kubectl().toString(), "--kubeconfig", cluster.kubeconfig().toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }

  /** The project's status and the tails of the operators' logs, for failure messages. */
  String diagnostics() {
    DbtProject project = project();
    StringBuilder text =
        new StringBuilder("project status: ")
            .append(project == null ? null : Serialization.asYaml(project.getStatus()));
    for (DbtSchema schema : schemas()) {
      text.append("\n").append(schema.getSpec().schema()).append(": ");
      text.append(schema.getStatus() == null ? null : schema.getStatus().phase());
      runs(schema.getSpec().schema()).stream()
          .limit(3)
          .forEach(
              r ->
                  text.append("\n  run ")
                      .append(r.id())
                      .append(' ')
                      .append(r.status())
                      .append(' ')
                      .append(r.lastCompletedStep())
                      .append(": ")
                      .append(r.message()));
    }
    for (OperatorProcess operator : operators) {
      text.append("\noperator log tail:\n").append(tail(operator.log(), 30));
    }
    return text.toString();
  }

  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** The lines of a JSON log, each parsed: fails on a line that is not a JSON object. */
  static List<com.fasterxml.jackson.databind.JsonNode> jsonLines(String log) throws IOException {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
    for (String line : log.split("\n")) {
      if (!line.isBlank()) {
        lines.add(json.readTree(line));
      }
    }
    return lines;
  }

  String operatorLogs() {
    StringBuilder logs = new StringBuilder();
    operators.forEach(o -> logs.append(o.log()));
    return logs.toString();
  }

  @Override
  public void close() throws Exception {
    // Operators of later test classes watch every namespace: leave them nothing of this one.
    client.resources(DbtProject.class).inNamespace(namespace).delete();
    for (OperatorProcess operator : operators) {
      operator.close();
    }
    kubelet.close();
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
