package io.dbtoperator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.run.RunId;
import io.dbtoperator.run.RunListener;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.RunType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
  private static final String COMMIT = "3f2a9c41aa";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final OperatorMetrics metrics =
      new OperatorMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));

  private static RunRecord ended(
      String schema, RunId.Kind kind, RunStatus status, Instant start, Duration took) {
    return new RunRecord(
        RunId.of(start, COMMIT, kind).value(),
        "shop",
        schema,
        RunType.SCHEDULED,
        status,
        start,
        start.plus(took),
        RunCounts.NONE,
        null,
        null,
        "password=hunter2 in a message stays out of the labels",
        3);
  }

  @Test
  void runsEndedAreCountedAndTimedByKindAndResult() {
    RunListener listener = metrics.runs("analytics", "shop");
    Instant start = NOW.minus(Duration.ofHours(1));
    listener.ended(
        ended("marts", RunId.Kind.DEPLOY, RunStatus.SUCCESSFUL, start, Duration.ofSeconds(90)));
    listener.ended(
        ended("marts", RunId.Kind.DEPLOY, RunStatus.SUCCESSFUL, start, Duration.ofSeconds(30)));
    listener.ended(
        ended("staging", RunId.Kind.FULL_REFRESH, RunStatus.FAILED, start, Duration.ofMinutes(10)));

    String scrape = registry.scrape();

    assertThat(scrape)
        .contains(
            "dbt_operator_runs_finished_total{kind=\"deploy\",namespace=\"analytics\","
                + "project=\"shop\",result=\"succeeded\",schema=\"marts\"} 2.0")
        .contains(
            "dbt_operator_runs_finished_total{kind=\"full-refresh\",namespace=\"analytics\","
                + "project=\"shop\",result=\"failed\",schema=\"staging\"} 1.0")
        .contains(
            "dbt_operator_run_duration_seconds_count{kind=\"deploy\",namespace=\"analytics\","
                + "project=\"shop\",result=\"succeeded\"} 2")
        .contains(
            "dbt_operator_run_duration_seconds_sum{kind=\"deploy\",namespace=\"analytics\","
                + "project=\"shop\",result=\"succeeded\"} 120.0")
        .contains(
            "dbt_operator_run_duration_seconds_sum{kind=\"full-refresh\",namespace=\"analytics\","
                + "project=\"shop\",result=\"failed\"} 600.0")
        .containsPattern(
            "dbt_operator_run_duration_seconds_bucket\\{kind=\"deploy\",namespace=\"analytics\","
                + "project=\"shop\",result=\"succeeded\",le=\"91.625968981\"} 2")
        .contains(
            "dbt_operator_run_duration_seconds_bucket{kind=\"deploy\",namespace=\"analytics\","
                + "project=\"shop\",result=\"succeeded\",le=\"28.633115306\"} 0")
        .doesNotContain("hunter2")
        .doesNotContain(COMMIT.substring(0, 8));
  }

  @Test
  void kindsAreNamedAsTheDocsNameThem() {
    assertThat(OperatorMetrics.kind(RunId.Kind.FULL_DEPLOY)).isEqualTo("full-deploy");
    assertThat(OperatorMetrics.kind(RunId.Kind.SNAPSHOT)).isEqualTo("snapshot");
    assertThat(OperatorMetrics.kind(RunId.Kind.ROLLBACK)).isEqualTo("rollback");
  }

  @Test
  void freshnessIsTheAgeOfTheLastRefreshAndFollowsTheProjectsSchemas() {
    metrics.pass(
        "analytics",
        "shop",
        Map.of("marts", NOW.minusSeconds(90), "staging", NOW.minus(Duration.ofHours(2))),
        3);
    metrics.pass("finance", "shop", Map.of("marts", NOW.minusSeconds(5)), 0);

    assertThat(registry.scrape())
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"analytics\",project=\"shop\","
                + "schema=\"marts\"} 90.0")
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"analytics\",project=\"shop\","
                + "schema=\"staging\"} 7200.0")
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"finance\",project=\"shop\","
                + "schema=\"marts\"} 5.0")
        .contains("dbt_operator_run_queue_depth{namespace=\"analytics\",project=\"shop\"} 3.0")
        .contains("dbt_operator_run_queue_depth{namespace=\"finance\",project=\"shop\"} 0.0");

    // A later pass: staging is gone from the project, marts was refreshed, the queue drained.
    metrics.pass("analytics", "shop", Map.of("marts", NOW.minusSeconds(10)), 0);

    assertThat(registry.scrape())
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"analytics\",project=\"shop\","
                + "schema=\"marts\"} 10.0")
        .doesNotContain("schema=\"staging\"")
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"finance\",project=\"shop\","
                + "schema=\"marts\"} 5.0")
        .contains("dbt_operator_run_queue_depth{namespace=\"analytics\",project=\"shop\"} 0.0");
  }

  @Test
  void theSeriesOfADeletedProjectGoAtTheNextPass() {
    metrics.pass("analytics", "shop", Map.of("marts", NOW.minusSeconds(90)), 1);
    metrics.pass("finance", "ledger", Map.of("core", NOW.minusSeconds(5)), 0);
    metrics
        .runs("analytics", "shop")
        .ended(
            ended("marts", RunId.Kind.REFRESH, RunStatus.SUCCESSFUL, NOW, Duration.ofSeconds(1)));

    metrics.retainProjects(
        java.util.stream.Stream.of(
            new io.javaoperatorsdk.operator.processing.event.ResourceID("ledger", "finance")));

    assertThat(registry.scrape())
        .doesNotContain("project=\"shop\"")
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"finance\",project=\"ledger\","
                + "schema=\"core\"} 5.0")
        .contains("dbt_operator_run_queue_depth{namespace=\"finance\",project=\"ledger\"} 0.0");
    // A project that comes back gets its series again.
    metrics.pass("analytics", "shop", Map.of("marts", NOW.minusSeconds(1)), 0);
    assertThat(registry.scrape())
        .contains(
            "dbt_operator_schema_freshness_seconds{namespace=\"analytics\",project=\"shop\","
                + "schema=\"marts\"} 1.0");
  }

  @Test
  void josdkMetricsGoToTheSameRegistry() throws Exception {
    metrics
        .josdk()
        .timeControllerExecution(
            new io.javaoperatorsdk.operator.api.monitoring.Metrics.ControllerExecution<Void>() {
              @Override
              public String name() {
                return "reconcile";
              }

              @Override
              public String controllerName() {
                return "dbtproject";
              }

              @Override
              public String successTypeName(Void result) {
                return "resource";
              }

              @Override
              public io.javaoperatorsdk.operator.processing.event.ResourceID resourceID() {
                return new io.javaoperatorsdk.operator.processing.event.ResourceID(
                    "shop", "analytics");
              }

              @Override
              public Map<String, Object> metadata() {
                return Map.of();
              }

              @Override
              public Void execute() {
                return null;
              }
            });

    // Without per-resource series: the resource's name and namespace are in no label.
    assertThat(registry.scrape())
        .contains("operator_sdk_")
        .contains("dbtproject")
        .doesNotContain("analytics")
        .doesNotContain("\"shop\"");
  }
}
