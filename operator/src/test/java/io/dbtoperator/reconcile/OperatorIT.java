package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.run.PostgresHarness;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.RunType;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
  static final Duration DEPLOY = Duration.ofMinutes(6);

  @TempDir static Path temp;
  static OperatorFixture f;
  static OperatorProcess operator;
  static String c1;
  static String c2;

  @BeforeAll
  static void start() throws IOException {
    f = new OperatorFixture(temp, "shop");
    c1 = f.git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("shop v1");
    // JSON logs, as the chart configures them: the last test reads them back.
    operator =
        f.startOperator(
            Map.of("DBT_OPERATOR_LOG_FORMAT", "json"),
            "--retry-base",
            "PT2S",
            "--max-failures",
            "2",
            "--git-poll",
            "PT5S");
  }

  @AfterAll
  static void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  String diagnostics() {
    return f.diagnostics();
  }

  @Test
  @Order(1)
  void applyingAProjectDeploysEverySchema() throws Exception {
    f.client.resource(f.projectResource(c1)).create();

    await("project Ready at " + c1)
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c1)).as(this::diagnostics).isTrue());

    DbtProject project = f.project();
    assertThat(project.getStatus().observedGeneration())
        .isEqualTo(project.getMetadata().getGeneration());
    assertThat(project.getStatus().plan()).as("no plan left once live").isNull();
    assertThat(f.schemas())
        .extracting(s -> s.getSpec().schema())
        .contains("staging", "marts", "reporting");
    await("every DbtSchema Ready")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(f.schemas())
                    .allSatisfy(
                        s -> {
                          assertThat(s.getStatus().phase()).isEqualTo("Ready");
                          assertThat(s.getStatus().liveCommit()).isEqualTo(c1);
                          assertThat(s.getMetadata().getLabels())
                              .containsEntry(Labels.MANAGED, "true");
                        }));
    assertThat(PostgresHarness.rows(f.pg, "select count(*) from marts.orders"))
        .singleElement()
        .isNotEqualTo("0");

    String table = f.kubectl("get", "dbtschemas", "-n", f.namespace);
    assertThat(table.lines().findFirst().orElseThrow())
        .contains("SCHEMA", "PROJECT", "LIVE", "LAST-REFRESH", "NEXT-DUE", "PHASE");
    assertThat(table.lines().skip(1))
        .isNotEmpty()
        .allSatisfy(row -> assertThat(row).contains(c1.substring(0, 7)).contains("Ready"));
    assertThat(f.reasons()).contains("Planned", "RunStarted", "Swapped");
    assertMetricsAfterTheFirstDeploy();
  }

  /** Each schema's one run counted once, its freshness from the store, and the SDK's own. */
  private static void assertMetricsAfterTheFirstDeploy() throws Exception {
    assertThat(operator.http("/readyz").body()).isEqualTo("ok\n");
    assertThat(operator.http("/healthz").statusCode()).isEqualTo(200);
    String labels = "namespace=\"" + f.namespace + "\",project=\"shop\"";
    await("marts' freshness in the metrics")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(operator.http("/metrics").body())
                    .containsPattern(
                        "dbt_operator_runs_finished_total\\{kind=\"(full-)?deploy\","
                            + labels
                            + ",result=\"succeeded\",schema=\"marts\"} 1.0\n")
                    .containsPattern(
                        "dbt_operator_run_duration_seconds_count\\{kind=\"(full-)?deploy\","
                            + labels
                            + ",result=\"succeeded\"} [1-9]")
                    .containsPattern(
                        "dbt_operator_schema_freshness_seconds\\{"
                            + labels
                            + ",schema=\"marts\"} [0-9]")
                    .contains("dbt_operator_run_queue_depth{" + labels + "} 0.0")
                    .contains("operator_sdk_reconciliations_")
                    .doesNotContain("result=\"failed\""));
  }

  @Test
  @Order(2)
  void aGitOpsBumpDeploysOnlyTheAffectedSchemasWithTheCliPlan() throws Exception {
    String stagingRefreshed = f.schema("staging").orElseThrow().getStatus().lastRefresh();
    c2 =
        f.git
            .copy(PostgresHarness.repositoryRoot().resolve("examples/changes/v2"))
            .commit("shop v2: orders gain is_completed, analysts may read marts");
    f.mergePatch("{\"spec\":{\"git\":{\"commit\":\"" + c2 + "\"}}}");

    var plan =
        await("the plan to " + c2)
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> Optional.ofNullable(f.project().getStatus()).map(s -> s.plan()).orElse(null),
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
        .untilAsserted(() -> assertThat(f.readyAt(c2)).as(this::diagnostics).isTrue());
    assertThat(f.schema("marts").orElseThrow().getStatus().liveCommit()).isEqualTo(c2);
    assertThat(f.schema("staging").orElseThrow().getStatus().lastRefresh())
        .as("staging did not change, so it was not rebuilt")
        .isEqualTo(stagingRefreshed);
    assertThat(
            PostgresHarness.rows(
                f.pg,
                "select count(*) from information_schema.columns where table_schema = 'marts' and column_name = 'is_completed'"))
        .containsExactly("1");
  }

  @Test
  @Order(3)
  void theClockCronJobRequestsARefreshThatRunsWhatIsDue() {
    String martsRefreshed = f.schema("marts").orElseThrow().getStatus().lastRefresh();
    // Every schema with data becomes due every minute; the CronJob ticks every minute.
    f.mergePatch("{\"spec\":{\"refresh\":{\"every\":\"PT1M\"}}}");
    assertThat(
            f.client.batch().v1().cronjobs().inNamespace(f.namespace).withName("shop-clock").get())
        .isNotNull();

    await("a tick handled and marts refreshed")
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              DbtProject project = f.project();
              String token =
                  project.getMetadata().getAnnotations() == null
                      ? null
                      : project.getMetadata().getAnnotations().get(Labels.REFRESH_REQUESTED);
              assertThat(token).as("the CronJob's trigger marked the project").isNotNull();
              assertThat(project.getStatus().lastHandledRefreshAt()).isNotNull();
              assertThat(f.schema("marts").orElseThrow().getStatus().lastRefresh())
                  .as(this::diagnostics)
                  .isNotEqualTo(martsRefreshed);
            });
    assertThat(f.client.batch().v1().jobs().inNamespace(f.namespace).list().getItems())
        .as("kube-controller-manager made the Job from the CronJob")
        .isNotEmpty();
    assertThat(f.runs("marts"))
        .as("a scheduled refresh run of marts, then its snapshots, one after the other")
        .anySatisfy(
            run -> {
              assertThat(run.id()).endsWith("-r");
              assertThat(run.type()).isEqualTo(io.dbtoperator.state.RunType.SCHEDULED);
              assertThat(run.status()).isEqualTo(io.dbtoperator.state.RunStatus.SUCCESSFUL);
            });

    // The real API server's copies, with its defaults, hold what the operator generates: passes
    // leave them alone. A hand edit of the schedule is undone.
    for (var generated : ClockApply.generated(f.project(), OperatorProcess.IMAGE)) {
      assertThat(ClockApply.upToDate(generated, f.client.resource(generated).get()))
          .as(generated.getKind() + " as generated")
          .isTrue();
    }
    var cronJob = f.client.batch().v1().cronjobs().inNamespace(f.namespace).withName("shop-clock");
    String schedule = cronJob.get().getSpec().getSchedule();
    cronJob.edit(c -> new CronJobBuilder(c).editSpec().withSchedule("0 0 1 1 *").endSpec().build());
    await("the hand-edited schedule restored")
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(() -> assertThat(cronJob.get().getSpec().getSchedule()).isEqualTo(schedule));
  }

  @Test
  @Order(4)
  void aFailingTestKeepsLiveBlocksDependentsStallsAndAFixRecovers() {
    List<String> ordersBefore =
        PostgresHarness.rows(f.pg, "select * from marts.orders order by order_id");
    String c3 =
        f.git
            .write(
                Map.of(
                    "models/audit/audit_countries.sql",
                    "{{ config(schema='audit', materialized='table') }}\n"
                        + "select country, count(*) as customers from {{ ref('raw_customers') }} group by 1\n",
                    "tests/orders_are_never_empty.sql",
                    "select * from {{ ref('orders') }} where order_id is not null\n"))
            .commit("c3: an audit schema, and a test of marts that fails");
    f.mergePatch("{\"spec\":{\"git\":{\"commit\":\"" + c3 + "\"}}}");

    await("marts stalled after two failures")
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              DbtSchema marts = f.schema("marts").orElseThrow();
              assertThat(marts.getStatus().phase()).as(this::diagnostics).isEqualTo("Stalled");
              assertThat(OperatorFixture.condition(f.project().getStatus().conditions(), "Stalled"))
                  .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("RetriesExhausted"));
            });
    assertThat(f.schema("audit").orElseThrow().getStatus().liveCommit())
        .as("an unrelated schema went live")
        .isEqualTo(c3);
    DbtSchema reporting = f.schema("reporting").orElseThrow();
    assertThat(reporting.getStatus().phase()).isEqualTo("Waiting");
    assertThat(
            OperatorFixture.condition(reporting.getStatus().conditions(), "Ready")
                .orElseThrow()
                .getMessage())
        .isEqualTo("waiting for marts, which failed");
    assertThat(f.schema("marts").orElseThrow().getStatus().liveCommit()).isEqualTo(c2);
    assertThat(PostgresHarness.rows(f.pg, "select * from marts.orders order by order_id"))
        .as("live marts untouched")
        .isEqualTo(ordersBefore);
    assertThat(f.reasons()).contains("TestsFailed");
    assertRunFilesStored(RunStatus.FAILED, "\"fail\"");
    assertRunFilesStored(RunStatus.SUCCESSFUL, "\"success\"");

    String c4 = f.git.delete("tests/orders_are_never_empty.sql").commit("c4: the bad test removed");
    f.mergePatch("{\"spec\":{\"git\":{\"commit\":\"" + c4 + "\"}}}");
    await("a fix commit recovers")
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c4)).as(this::diagnostics).isTrue());
    assertThat(f.schemas()).allSatisfy(s -> assertThat(s.getStatus().phase()).isEqualTo("Ready"));
    assertThat(OperatorFixture.condition(f.project().getStatus().conditions(), "Stalled"))
        .isEmpty();
    c2 = c4;
  }

  @Test
  @Order(5)
  void manualModeAppliesOnlyTheApprovedPlanAndANewCommitMakesTheApprovalStale() {
    String reportingLive = f.schema("reporting").orElseThrow().getStatus().liveCommit();
    f.mergePatch("{\"spec\":{\"applyMode\":\"Manual\"}}");
    String c5 =
        f.git
            .write(Map.of("models/reporting/daily_revenue.sql", dailyRevenue("largest_order_eur")))
            .commit("c5: reporting gains a column");
    f.mergePatch("{\"spec\":{\"git\":{\"commit\":\"" + c5 + "\"}}}");
    String firstHash = awaitAwaitingApproval(c5);

    String c6 =
        f.git
            .write(Map.of("models/reporting/daily_revenue.sql", dailyRevenue("biggest_order_eur")))
            .commit("c6: reporting names it differently");
    f.mergePatch(
        "{\"spec\":{\"git\":{\"commit\":\"" + c6 + "\"},\"approvedPlan\":\"" + firstHash + "\"}}");
    String secondHash = awaitAwaitingApproval(c6);
    assertThat(secondHash).isNotEqualTo(firstHash);
    assertThat(f.schema("reporting").orElseThrow().getStatus().liveCommit())
        .as("a stale approval runs nothing")
        .isEqualTo(reportingLive);

    f.mergePatch("{\"spec\":{\"approvedPlan\":\"" + secondHash + "\"}}");
    await("the approved plan applied")
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c6)).as(this::diagnostics).isTrue());
    assertThat(f.reasons()).contains("Planned");
    assertThat(
            PostgresHarness.rows(
                f.pg,
                "select count(*) from information_schema.columns where table_schema = 'reporting'"
                    + " and column_name = 'biggest_order_eur'"))
        .containsExactly("1");
  }

  String awaitAwaitingApproval(String commit) {
    return await("awaiting approval of the plan to " + commit)
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              DbtProject project = f.project();
              return project.getStatus() != null
                      && "AwaitingApproval".equals(project.getStatus().phase())
                      && project.getStatus().plan() != null
                      && commit.equals(project.getStatus().plan().to())
                  ? project.getStatus().plan().hash()
                  : null;
            },
            hash -> hash != null);
  }

  static String dailyRevenue(String column) throws java.io.UncheckedIOException {
    try {
      String original =
          Files.readString(
              PostgresHarness.repositoryRoot()
                  .resolve("examples/shop/models/reporting/daily_revenue.sql"));
      // A new column: the example's tests on the existing ones keep passing.
      return original.replace(
          "count(*) as orders", "count(*) as orders,\n    max(amount_eur) as " + column);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Order(6)
  void annotationsRefreshFullyRefreshAndRollBackASchema() {
    // Back to the example's cadence: with every schema due each minute (test 3), the clock's
    // refreshes and their snapshots follow each requested run, and status.lastRun moves on.
    f.mergePatch("{\"spec\":{\"applyMode\":\"Auto\",\"refresh\":null}}");
    String before = f.schema("marts").orElseThrow().getStatus().lastRefresh();
    Instant refreshAsked = Instant.now();
    annotateSchema("marts", Labels.SCHEMA_REFRESH, "r-1");
    await("refresh handled")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              var status = f.schema("marts").orElseThrow().getStatus();
              assertThat(status.lastHandledRefresh()).as(this::diagnostics).isEqualTo("r-1");
              assertThat(status.lastRefresh()).isNotEqualTo(before);
              assertThat(manualRunsSince("marts", refreshAsked, "-r")).isNotEmpty();
            });

    Instant fullRefreshAsked = Instant.now();
    annotateSchema("marts", Labels.SCHEMA_FULL_REFRESH, "f-1");
    await("full refresh handled")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              var status = f.schema("marts").orElseThrow().getStatus();
              assertThat(status.lastHandledFullRefresh()).as(this::diagnostics).isEqualTo("f-1");
              assertThat(manualRunsSince("marts", fullRefreshAsked, "-fr"))
                  .as("the full refresh ran before its request was marked handled")
                  .isNotEmpty();
              // Status times are to the second.
              assertThat(Instant.parse(status.lastFullRefresh()))
                  .isAfterOrEqualTo(fullRefreshAsked.truncatedTo(ChronoUnit.SECONDS));
            });
    assertThat(manualRunsSince("marts", fullRefreshAsked, "-fr"))
        .as("one full refresh per request")
        .hasSize(1);

    Instant rollbackAsked = Instant.now();
    annotateSchema("marts", Labels.SCHEMA_ROLLBACK, "b-1");
    await("rollback handled")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              var status = f.schema("marts").orElseThrow().getStatus();
              assertThat(status.lastHandledRollback()).as(this::diagnostics).isEqualTo("b-1");
              assertThat(status.lastRun().type()).isEqualTo("rollback");
            });
    assertThat(manualRunsSince("marts", rollbackAsked, "-rb")).hasSize(1);
    assertThat(f.reasons()).contains("RolledBack");
  }

  /** The successful manual runs of a schema of one kind (its run id's suffix) since a time. */
  static List<RunRecord> manualRunsSince(String schema, Instant since, String idSuffix) {
    return f.runs(schema).stream()
        .filter(run -> run.id().endsWith(idSuffix))
        .filter(run -> run.type() == RunType.MANUAL)
        .filter(run -> run.status() == RunStatus.SUCCESSFUL)
        // Run ids and start times are to the millisecond at most; the request is finer.
        .filter(run -> !run.startedAt().isBefore(since.truncatedTo(ChronoUnit.SECONDS)))
        .toList();
  }

  static void annotateSchema(String schema, String annotation, String token) {
    String name = f.schema("marts").orElseThrow().getMetadata().getName();
    f.client
        .resources(DbtSchema.class)
        .inNamespace(f.namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + annotation + "\":\"" + token + "\"}}}");
  }

  @Test
  @Order(7)
  void specsTheServerRejectsNameTheFieldAndOthersGiveAConditionWithThePath() {
    DbtProject both = f.projectResource(c1);
    both.getMetadata().setName("both");
    String yaml =
        Serialization.asYaml(both)
            .replace("commit: \"" + c1 + "\"", "commit: \"" + c1 + "\"\n    ref: \"main\"");
    assertThatThrownBy(
            () -> f.client.resource(Serialization.unmarshal(yaml, DbtProject.class)).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.git")
        .hasMessageContaining("set ref or commit, not both");

    DbtProject missing = f.projectResource(c1);
    missing.getMetadata().setName("nosecret");
    String noSecret = Serialization.asYaml(missing).replace("name: \"shop-pg\"", "name: \"nope\"");
    f.client.resource(Serialization.unmarshal(noSecret, DbtProject.class)).create();
    await("a condition naming the spec path")
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () -> {
              DbtProject project =
                  f.client
                      .resources(DbtProject.class)
                      .inNamespace(f.namespace)
                      .withName("nosecret")
                      .get();
              assertThat(project.getStatus()).isNotNull();
              Condition ready =
                  OperatorFixture.condition(project.getStatus().conditions(), "Ready")
                      .orElseThrow();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("SecretNotFound");
              assertThat(ready.getMessage())
                  .isEqualTo("spec.warehouse.secretRef: secret \"nope\" not found");
              assertThat(OperatorFixture.condition(project.getStatus().conditions(), "Stalled"))
                  .isPresent();
            });
    assertThat(operator.isAlive()).isTrue();
    f.client.resources(DbtProject.class).inNamespace(f.namespace).withName("nosecret").delete();
  }

  @Test
  @Order(8)
  void noSecretValueLeavesTheSecret() throws Exception {
    List<String> places = new ArrayList<>();
    places.add(Serialization.asYaml(f.project()));
    f.schemas().forEach(s -> places.add(Serialization.asYaml(s)));
    f.client
        .pods()
        .inNamespace(f.namespace)
        .list()
        .getItems()
        .forEach(p -> places.add(Serialization.asYaml(p)));
    f.client
        .configMaps()
        .inNamespace(f.namespace)
        .list()
        .getItems()
        .forEach(c -> places.add(Serialization.asYaml(c)));
    f.client
        .v1()
        .events()
        .inNamespace(f.namespace)
        .list()
        .getItems()
        .forEach(e -> places.add(Serialization.asYaml(e)));
    places.add(f.operatorLogs());
    assertThat(places)
        .hasSizeGreaterThan(5)
        .noneSatisfy(text -> assertThat(text).contains(OperatorFixture.PASSWORD));
  }

  @Test
  @Order(9)
  void sigtermStopsTheOperatorWithinItsGracePeriod() throws Exception {
    operator.terminate();

    assertThat(operator.awaitExit(Duration.ofSeconds(25))).as(operator::log).isTrue();
    assertThat(operator.log()).contains("dbt-operator: stopping");

    // Every line the operator wrote is a JSON object; a run's lines name its project and schema.
    assertThat(OperatorFixture.jsonLines(operator.log()))
        .anySatisfy(
            line -> {
              assertThat(line.at("/mdc/project").asText()).isEqualTo("shop");
              assertThat(line.at("/mdc/schema").asText()).isEqualTo("marts");
              assertThat(line.at("/mdc/run").asText()).endsWith("-fr");
              assertThat(line.get("formattedMessage").asText()).startsWith("RunStarted");
            });
  }

  /**
   * The artifacts sidecar stored dbt's files of a marts run that ended so, at the CLI's keys; a
   * failed run's record names the failing test, read from those results.
   */
  private static void assertRunFilesStored(RunStatus status, String nodeStatus) {
    RunRecord run =
        f.runs("marts").stream()
            .filter(r -> r.status() == status)
            .filter(
                r ->
                    status == RunStatus.FAILED
                        ? r.message() != null && r.message().contains("failed (exit")
                        : r.id().endsWith("-d"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + status + " build of marts"));
    Path files =
        temp.resolve("artifacts").resolve(f.namespace).resolve("shop/runs/marts").resolve(run.id());
    assertThat(files.resolve("run_results.json"))
        .as("run_results.json of " + run.id())
        .content()
        .contains(nodeStatus);
    assertThat(files.resolve("dbt.log")).isNotEmptyFile();
    assertThat(files.resolve("manifest.json")).isNotEmptyFile();
    assertThat(run.logLocation()).isEqualTo(files.resolve("dbt.log").toUri().toString());
    if (status == RunStatus.FAILED) {
      assertThat(files.resolve("run_results.json")).content().contains("orders_are_never_empty");
      assertThat(run.message()).contains("orders_are_never_empty");
    }
  }

  static JsonNode cliPlan(String from, String to) throws IOException, InterruptedException {
    Path fromManifest = find(temp.resolve("artifacts"), from + ".json");
    Path toManifest =
        temp.resolve("operator/work")
            .resolve(f.namespace)
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
                f.git.dir().toString(),
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
