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
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    RunListener listener =
        new RunListener() {
          @Override
          public void notice(String schema, String text) {
            notices.add(schema + ": " + text);
          }
        };
    return new ProjectRunner(
        PROJECT,
        JGitRepository.open(git.dir()),
        ".",
        temp.resolve("work"),
        store,
        new PostgresTarget(pg, "public"),
        new LocalDbtExecutor(PostgresHarness.dbt()),
        artifacts,
        new ArtifactStore.ProjectKey("local", PROJECT),
        clock,
        new RunSettings(
            "test", java.time.Duration.ofMinutes(30), 1, java.time.Duration.ofHours(24), 2),
        listener,
        hook,
        line -> {});
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
}
