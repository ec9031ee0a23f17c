package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.PostgresSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deploys and refreshes the example project with real dbt into a real PostgreSQL. */
class DeployIT {
  static final String PROJECT = "shop";
  static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

  /** marts.orders with every order twice, which its unique test rejects. */
  static final String ORDERS_WITH_DUPLICATES =
      "select order_id, customer_id, ordered_at, {{ cents_to_euros('amount_cents') }} as amount_eur, status\n"
          + "from {{ ref('stg_orders') }}\n"
          + "union all\n"
          + "select order_id, customer_id, ordered_at, 0, status from {{ ref('stg_orders') }}\n";

  @TempDir Path temp;
  PostgresSettings pg;
  GitFixture git;
  StateStore store;
  LocalArtifactStore artifacts;
  final List<String> notices = new ArrayList<>();

  @BeforeEach
  void setUp() {
    pg = PostgresHarness.newDatabase("deploy");
    git = new GitFixture(temp.resolve("repo"));
    store = SqliteStateStore.open(temp.resolve("state.db"), Clock.fixed(T0, ZoneOffset.UTC));
    artifacts = new LocalArtifactStore(temp.resolve("artifacts"));
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  ProjectRunner runner(Instant now, StepHook hook) {
    return runner(now, hook, new LocalDbtExecutor(PostgresHarness.dbt()));
  }

  ProjectRunner runner(Instant now, StepHook hook, DbtExecutor dbt) {
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    RunListener listener = collecting(notices);
    return new ProjectRunner(
        PROJECT,
        JGitRepository.open(git.dir()),
        ".",
        temp.resolve("work"),
        store,
        new PostgresTarget(pg, "public"),
        dbt,
        artifacts,
        new ArtifactStore.ProjectKey("local", PROJECT),
        clock,
        new RunSettings(
            "test", java.time.Duration.ofMinutes(30), 1, java.time.Duration.ofHours(24), 2, true),
        listener,
        hook,
        line -> {});
  }

  /** A listener that adds each notice to {@code notices} as "schema: text". */
  static RunListener collecting(List<String> notices) {
    return new RunListener() {
      @Override
      public void notice(String schema, String text) {
        notices.add(schema + ": " + text);
      }
    };
  }

  static Map<String, SchemaOutcome.Result> results(List<SchemaOutcome> outcomes) {
    Map<String, SchemaOutcome.Result> results = new java.util.LinkedHashMap<>();
    outcomes.forEach(
        o -> results.put(o.schema() + (o.snapshotsOnly() ? "/snapshots" : ""), o.result()));
    return results;
  }

  @Test
  void deploysTwoCommitsThenRefreshesKeepingIncrementalHistory() {
    String v1 = git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("v1");
    var first = runner(T0, StepHook.NONE).deploy(v1);
    assertThat(first.outcomes())
        .as(first.outcomes().toString())
        .allMatch(o -> o.result() == SchemaOutcome.Result.LIVE);
    assertThat(PostgresHarness.rows(pg, "select count(*) from marts.orders"))
        .isEqualTo(
            PostgresHarness.rows(
                pg, "select count(*) from raw.raw_orders where status <> 'returned'"));

    String v2 =
        git.copy(PostgresHarness.repositoryRoot().resolve("examples/changes/v2")).commit("v2");
    var second = runner(T0.plusSeconds(3600), StepHook.NONE).deploy(v2);
    assertThat(results(second.outcomes()))
        .as(second.outcomes().toString())
        .containsEntry("marts", SchemaOutcome.Result.LIVE)
        .containsEntry("reporting", SchemaOutcome.Result.LIVE);
    assertThat(PostgresHarness.rows(pg, "select count(*) from marts.orders where is_completed"))
        .isEqualTo(
            PostgresHarness.rows(
                pg, "select count(*) from raw.raw_orders where status = 'completed'"));

    PostgresHarness.execute(
        pg, "insert into marts.order_events values (9999, 'history', date '2000-01-01')");
    var refresh = runner(Instant.parse("2026-11-23T16:00:00Z"), StepHook.NONE).refresh(null);
    assertThat(results(refresh.outcomes()))
        .as(refresh.outcomes().toString())
        .containsEntry("marts", SchemaOutcome.Result.LIVE);
    assertThat(
            PostgresHarness.rows(pg, "select status from marts.order_events where order_id = 9999"))
        .containsExactly("history");
    RunRecord newest = store.runs(PROJECT, "marts", null, 1).runs().get(0);
    assertThat(newest.status()).isEqualTo(RunStatus.SUCCESSFUL);
    assertThat(newest.lastCompletedStep()).isEqualTo("CLEANUP");
  }

  @Test
  void aCommitThatChangesNoFileDbtReadsIsPlannedFromTheLiveManifestWithoutDbt() {
    String v1 = git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("v1");
    runner(T0, StepHook.NONE).deploy(v1);
    DbtExecutor noDbt =
        (command, output) -> {
          throw new AssertionError("dbt ran: " + command);
        };

    String docsOnly =
        git.write(Map.of("README.md", "# shop\n", ".github/workflows/ci.yml", "on: push\n"))
            .commit("docs only");
    var plan = runner(T0.plusSeconds(60), StepHook.NONE, noDbt).plan(docsOnly);

    assertThat(plan.hasChanges()).as(plan.summary()).isFalse();
    assertThat(plan.to()).isEqualTo(docsOnly);

    String modelChange =
        git.write(Map.of("models/marts/new_model.sql", "select 1 as id\n")).commit("a model");
    List<String> parsed = new ArrayList<>();
    DbtExecutor recording =
        (command, output) -> {
          parsed.add(String.join(" ", command.arguments()));
          return new LocalDbtExecutor(PostgresHarness.dbt()).run(command, output);
        };
    runner(T0.plusSeconds(120), StepHook.NONE, recording).plan(modelChange);

    assertThat(parsed).anyMatch(arguments -> arguments.contains(" parse "));
  }

  static List<String> columns(PostgresSettings pg, String schema, String table) {
    return PostgresHarness.rows(
        pg,
        "select column_name from information_schema.columns where table_schema = '"
            + schema
            + "' and table_name = '"
            + table
            + "' order by ordinal_position");
  }

  static boolean reporterCanSelect(PostgresSettings pg, String schema, String table) {
    return PostgresHarness.rows(
            pg,
            "select count(*) from information_schema.role_table_grants where grantee = 'reporter'"
                + " and table_schema = '"
                + schema
                + "' and table_name = '"
                + table
                + "'"
                + " and privilege_type = 'SELECT'")
        .equals(List.of("1"));
  }

  @Test
  void newVersionGoesLiveOnlyAfterTestsWithItsGrantsAndRollsBack() {
    String v1 = git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("v1");
    runner(T0, StepHook.NONE).deploy(v1);
    String v2 =
        git.copy(PostgresHarness.repositoryRoot().resolve("examples/changes/v2")).commit("v2");
    List<String> seen = new ArrayList<>();
    StepHook observe =
        (schema, step) -> {
          if (!schema.equals("marts")) {
            return;
          }
          String staging =
              PostgresHarness.rows(
                      pg,
                      "select nspname from pg_namespace where nspname like 'marts\\_\\_dbtop\\_%'"
                          + " and obj_description(oid, 'pg_namespace') like '%role=staging%'")
                  .stream()
                  .findFirst()
                  .orElse("none");
          seen.add(
              step
                  + ": live has is_completed="
                  + columns(pg, "marts", "orders").contains("is_completed")
                  + ", staging has is_completed="
                  + (!staging.equals("none")
                      && columns(pg, staging, "orders").contains("is_completed"))
                  + ", reporter on staging="
                  + (!staging.equals("none") && reporterCanSelect(pg, staging, "orders"))
                  + ", reporter on live="
                  + reporterCanSelect(pg, "marts", "orders"));
        };
    var deploy = runner(T0.plusSeconds(3600), observe).deploy(v2);
    assertThat(results(deploy.outcomes())).containsEntry("marts", SchemaOutcome.Result.LIVE);
    // v1 granted reporter; v2 adds analyst. Tests pass at BUILD with live untouched; grants are on
    // staging at GRANT, before the swap; after SWAP the new version is live with its grants.
    assertThat(seen)
        .containsExactly(
            "PREPARE_STAGING: live has is_completed=false, staging has is_completed=false, reporter on staging=false, reporter on live=true",
            "CLONE: live has is_completed=false, staging has is_completed=false, reporter on staging=false, reporter on live=true",
            "BUILD: live has is_completed=false, staging has is_completed=true, reporter on staging=false, reporter on live=true",
            "GRANT: live has is_completed=false, staging has is_completed=true, reporter on staging=true, reporter on live=true",
            "SWAP: live has is_completed=true, staging has is_completed=false, reporter on staging=false, reporter on live=true",
            "RECORD: live has is_completed=true, staging has is_completed=false, reporter on staging=false, reporter on live=true",
            "CLEANUP: live has is_completed=true, staging has is_completed=false, reporter on staging=false, reporter on live=true");
    assertThat(
            PostgresHarness.rows(
                pg, "select has_table_privilege('analyst', 'marts.orders', 'SELECT')"))
        .containsExactly("t");

    SchemaOutcome rollback = runner(T0.plusSeconds(7200), StepHook.NONE).rollback("marts");
    assertThat(rollback.result()).isEqualTo(SchemaOutcome.Result.LIVE);
    assertThat(columns(pg, "marts", "orders")).doesNotContain("is_completed");
    assertThat(store.schema(PROJECT, "marts").orElseThrow().liveCommit())
        .isEqualTo(v1.substring(0, 8));
    assertThat(runner(T0.plusSeconds(7300), StepHook.NONE).rollback("marts").result())
        .isEqualTo(SchemaOutcome.Result.LIVE);
    assertThat(columns(pg, "marts", "orders")).contains("is_completed");
  }

  /**
   * A swap that loses grants (as Snowflake's does with inherited ones) is simulated by revoking
   * them from staging after the GRANT step: the check after the swap restores them and says so.
   */
  @Test
  void grantsTheSwapLostAreRestoredOnLiveAndReported() {
    String v1 = git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("v1");
    StepHook loseGrants =
        (schema, step) -> {
          if (schema.equals("marts") && step == RunStep.GRANT) {
            String staging =
                PostgresHarness.rows(
                        pg, "select nspname from pg_namespace where nspname like 'marts__dbtop_%'")
                    .get(0);
            PostgresHarness.execute(
                pg, "revoke select on all tables in schema \"" + staging + "\" from reporter");
          }
        };

    var deploy = runner(T0, loseGrants).deploy(v1);

    assertThat(results(deploy.outcomes())).containsEntry("marts", SchemaOutcome.Result.LIVE);
    assertThat(reporterCanSelect(pg, "marts", "orders")).isTrue();
    assertThat(notices)
        .contains(
            "marts: grants on the new live differed from the desired ones after the swap"
                + " (granted REPORTER: SELECT); corrected");
  }

  @Test
  void failedSchemaKeepsLiveAndBlocksOnlyItsDependents() {
    String v1 = git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("v1");
    runner(T0, StepHook.NONE).deploy(v1);
    List<String> ordersBefore =
        PostgresHarness.rows(pg, "select * from marts.orders order by order_id");
    String v3 =
        git.write(
                Map.of(
                    "models/audit/audit_countries.sql",
                    "{{ config(schema='audit', materialized='table') }}\n"
                        + "select country, count(*) as customers from {{ ref('raw_customers') }} group by 1\n",
                    "models/marts/orders.sql",
                    ORDERS_WITH_DUPLICATES))
            .commit("v3: a new audit schema, and orders with duplicates");
    var deploy = runner(T0.plusSeconds(3600), StepHook.NONE).deploy(v3);

    assertThat(results(deploy.outcomes()))
        .containsEntry("audit", SchemaOutcome.Result.LIVE)
        .containsEntry("marts", SchemaOutcome.Result.FAILED)
        .containsEntry("reporting", SchemaOutcome.Result.WAITING);
    assertThat(PostgresHarness.rows(pg, "select count(*) from audit.audit_countries"))
        .isNotEqualTo(List.of("0"));
    assertThat(PostgresHarness.rows(pg, "select * from marts.orders order by order_id"))
        .isEqualTo(ordersBefore);
    RunRecord failed = store.runs(PROJECT, "marts", null, 1).runs().get(0);
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    assertThat(failed.message())
        .contains("test.shop.unique_orders_order_id")
        .contains("live marts is unchanged");
    assertThat(failed.counts().testsFailed()).isPositive();
    SchemaOutcome waiting =
        deploy.outcomes().stream()
            .filter(o -> o.schema().equals("reporting"))
            .findFirst()
            .orElseThrow();
    assertThat(waiting.message()).isEqualTo("waiting for marts, which failed");
    assertThat(
            PostgresHarness.rows(
                pg,
                "select count(*) from pg_namespace where nspname = 'marts__dbtop_"
                    + failed.id().replace('-', '_')
                    + "'"))
        .as("the failed run's staging schema is kept for inspection")
        .containsExactly("1");
    assertThat(store.manifest(PROJECT).orElseThrow().commit())
        .as("live commit stays")
        .isEqualTo(v1);
  }
}
