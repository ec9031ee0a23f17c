package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.local.ImageMap;
import io.dbtoperator.local.KubeControlPlane;
import io.dbtoperator.local.LocalKubelet;
import io.dbtoperator.run.GitFixture;
import io.dbtoperator.run.PostgresHarness;
import io.dbtoperator.warehouse.PostgresSettings;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator, as its own process, on a real kube-apiserver with kube-controller-manager; the
 * local kubelet runs its pods as local processes (real dbt from .venv). The scenarios build on each
 * other, as a user's day would: apply, a GitOps bump, a clock tick, a failing test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorIT {
  static final String PASSWORD = "dbt-secret";
  static final Duration DEPLOY = Duration.ofMinutes(6);

  @TempDir static Path temp;
  static KubeControlPlane cluster;
  static KubernetesClient client;
  static String namespace;
  static LocalKubelet kubelet;
  static OperatorProcess operator;
  static PostgresSettings pg;
  static GitFixture git;
  static String c1;
  static String c2;

  @BeforeAll
  static void start() throws IOException {
    cluster = KubeControlPlane.get();
    client = cluster.client();
    namespace = cluster.createNamespace("shop");
    pg = PostgresHarness.newDatabase("operator");
    git = new GitFixture(temp.resolve("repo"));
    c1 = git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("shop v1");
    Path jar = OperatorProcess.jar();
    kubelet =
        LocalKubelet.builder(client)
            .nodeName("local-kubelet")
            .namespaces(List.of(namespace))
            .images(
                ImageMap.builder()
                    .entrypoint(OperatorProcess.IMAGE, List.of("java", "-jar", jar.toString()))
                    .entrypoint(
                        "ghcr.io/dbt-labs/dbt-postgres:1.10.15",
                        List.of(PostgresHarness.dbt().toString()))
                    .build())
            .workDirectory(Files.createDirectories(temp.resolve("kubelet")))
            .start();
    operator =
        OperatorProcess.start(
            cluster.kubeconfig(),
            temp.resolve("operator"),
            temp.resolve("operator.log"),
            "--retry-base",
            "PT2S",
            "--max-failures",
            "2",
            "--git-poll",
            "PT5S");
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

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
  }

  static DbtProject projectResource(String commit) {
    String yaml =
        """
        apiVersion: dbtoperator.io/v1alpha1
        kind: DbtProject
        metadata: {name: shop, namespace: %s}
        spec:
          git: {url: %s, commit: %s}
          warehouse:
            type: postgres
            postgres: {host: localhost, port: %d, database: %s, user: dbt, schema: public}
            secretRef: {name: shop-pg, passwordKey: password}
          state: {type: sqlite, sqlite: {path: %s}}
          artifacts: {type: local, local: {path: %s}}
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

  static DbtProject project() {
    return client.resources(DbtProject.class).inNamespace(namespace).withName("shop").get();
  }

  static List<DbtSchema> schemas() {
    return client.resources(DbtSchema.class).inNamespace(namespace).list().getItems();
  }

  static Optional<DbtSchema> schema(String name) {
    return schemas().stream().filter(s -> s.getSpec().schema().equalsIgnoreCase(name)).findFirst();
  }

  static Optional<Condition> condition(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean readyAt(String commit) {
    DbtProject project = project();
    return project.getStatus() != null
        && commit.equals(project.getStatus().liveCommit())
        && condition(project.getStatus().conditions(), "Ready")
            .map(c -> "True".equals(c.getStatus()))
            .orElse(false);
  }

  String diagnostics() {
    DbtProject project = project();
    return "project status: "
        + (project == null ? null : Serialization.asYaml(project.getStatus()))
        + "\noperator log tail:\n"
        + tail(operator.log(), 40);
  }

  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Test
  @Order(1)
  void applyingAProjectDeploysEverySchema() throws Exception {
    client.resource(projectResource(c1)).create();

    await("project Ready at " + c1)
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(readyAt(c1)).as(this::diagnostics).isTrue());

    DbtProject project = project();
    assertThat(project.getStatus().observedGeneration())
        .isEqualTo(project.getMetadata().getGeneration());
    assertThat(project.getStatus().plan()).as("no plan left once live").isNull();
    assertThat(schemas())
        .extracting(s -> s.getSpec().schema())
        .contains("staging", "marts", "reporting");
    await("every DbtSchema Ready")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(schemas())
                    .allSatisfy(
                        s -> {
                          assertThat(s.getStatus().phase()).isEqualTo("Ready");
                          assertThat(s.getStatus().liveCommit()).isEqualTo(c1);
                          assertThat(s.getMetadata().getLabels())
                              .containsEntry(Labels.MANAGED, "true");
                        }));
    assertThat(PostgresHarness.rows(pg, "select count(*) from marts.orders"))
        .singleElement()
        .isNotEqualTo("0");

    String table = kubectl("get", "dbtschemas", "-n", namespace);
    assertThat(table.lines().findFirst().orElseThrow())
        .contains("SCHEMA", "PROJECT", "LIVE", "LAST-REFRESH", "NEXT-DUE", "PHASE");
    assertThat(table.lines().skip(1))
        .isNotEmpty()
        .allSatisfy(row -> assertThat(row).contains(c1.substring(0, 7)).contains("Ready"));
    assertThat(reasons()).contains("Planned", "RunStarted", "Swapped");
  }

  @Test
  @Order(2)
  void aGitOpsBumpDeploysOnlyTheAffectedSchemasWithTheCliPlan() throws Exception {
    String stagingRefreshed = schema("staging").orElseThrow().getStatus().lastRefresh();
    c2 =
        git.copy(PostgresHarness.repositoryRoot().resolve("examples/changes/v2"))
            .commit("shop v2: orders gain is_completed, analysts may read marts");
    mergePatch("{\"spec\":{\"git\":{\"commit\":\"" + c2 + "\"}}}");

    var plan =
        await("the plan to " + c2)
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> Optional.ofNullable(project().getStatus()).map(s -> s.plan()).orElse(null),
                p -> p != null && c2.equals(p.to()));
    JsonNode cli = cliPlan(c1, c2);
    assertThat(plan.hash()).isEqualTo(cli.get("hash").asText());
    List<String> cliSteps = new ArrayList<>();
    cli.get("steps")
        .forEach(s -> cliSteps.add(s.get("schema").asText() + ":" + s.get("action").asText()));
    assertThat(plan.steps())
        .extracting(s -> s.schema() + ":" + s.action().json())
        .containsExactlyElementsOf(cliSteps);

    await("project Ready at " + c2)
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(readyAt(c2)).as(this::diagnostics).isTrue());
    assertThat(schema("marts").orElseThrow().getStatus().liveCommit()).isEqualTo(c2);
    assertThat(schema("staging").orElseThrow().getStatus().lastRefresh())
        .as("staging did not change, so it was not rebuilt")
        .isEqualTo(stagingRefreshed);
    assertThat(
            PostgresHarness.rows(
                pg,
                "select count(*) from information_schema.columns where table_schema = 'marts' and column_name = 'is_completed'"))
        .containsExactly("1");
  }

  @Test
  @Order(3)
  void theClockCronJobRequestsARefreshThatRunsWhatIsDue() {
    String martsRefreshed = schema("marts").orElseThrow().getStatus().lastRefresh();
    // Every schema with data becomes due every minute; the CronJob ticks every minute.
    mergePatch("{\"spec\":{\"refresh\":{\"every\":\"PT1M\"}}}");
    assertThat(client.batch().v1().cronjobs().inNamespace(namespace).withName("shop-clock").get())
        .isNotNull();

    await("a tick handled and marts refreshed")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              DbtProject project = project();
              String token =
                  project.getMetadata().getAnnotations() == null
                      ? null
                      : project.getMetadata().getAnnotations().get(Labels.REFRESH_REQUESTED);
              assertThat(token).as("the CronJob's trigger marked the project").isNotNull();
              assertThat(project.getStatus().lastHandledRefreshAt()).isNotNull();
              assertThat(schema("marts").orElseThrow().getStatus().lastRefresh())
                  .isNotEqualTo(martsRefreshed);
            });
    assertThat(client.batch().v1().jobs().inNamespace(namespace).list().getItems())
        .as("kube-controller-manager made the Job from the CronJob")
        .isNotEmpty();
    assertThat(schema("marts").orElseThrow().getStatus().lastRun().type()).isEqualTo("refresh");
  }

  @Test
  @Order(4)
  void noSecretValueLeavesTheSecret() throws Exception {
    List<String> places = new ArrayList<>();
    places.add(Serialization.asYaml(project()));
    schemas().forEach(s -> places.add(Serialization.asYaml(s)));
    client
        .pods()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(p -> places.add(Serialization.asYaml(p)));
    client
        .configMaps()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(c -> places.add(Serialization.asYaml(c)));
    client
        .v1()
        .events()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(e -> places.add(Serialization.asYaml(e)));
    places.add(operator.log());
    assertThat(places)
        .hasSizeGreaterThan(5)
        .noneSatisfy(text -> assertThat(text).contains(PASSWORD));
  }

  static void mergePatch(String json) {
    client
        .resources(DbtProject.class)
        .inNamespace(namespace)
        .withName("shop")
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  static List<String> reasons() {
    return client.events().v1().events().inNamespace(namespace).list().getItems().stream()
        .map(e -> e.getReason())
        .toList();
  }

  static String kubectl(String... args) throws IOException, InterruptedException {
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

  static JsonNode cliPlan(String from, String to) throws IOException, InterruptedException {
    Path fromManifest = find(temp.resolve("artifacts"), from + ".json");
    Path toManifest =
        temp.resolve("operator/work")
            .resolve(namespace)
            .resolve("shop")
            .resolve(to.substring(0, 12))
            .resolve("parse/target/manifest.json");
    Process process =
        new ProcessBuilder(
                "java",
                "-jar",
                OperatorProcess.jar().toString(),
                "plan",
                "--repo",
                git.dir().toString(),
                "--from",
                from,
                "--to",
                to,
                "--from-manifest",
                fromManifest.toString(),
                "--to-manifest",
                toManifest.toString(),
                "--output",
                "json")
            .redirectErrorStream(false)
            .start();
    String out = new String(process.getInputStream().readAllBytes());
    String err = new String(process.getErrorStream().readAllBytes());
    process.waitFor(60, TimeUnit.SECONDS);
    assertThat(process.exitValue()).as(err).isEqualTo(2);
    return new ObjectMapper().readTree(out);
  }

  static Path find(Path root, String name) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(f -> f.getFileName().toString().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError(name + " not under " + root));
    }
  }
}
