package io.dbtoperator.metrics;

import io.dbtoperator.run.RunId;
import io.dbtoperator.run.RunListener;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The operator's own metrics, beside java-operator-sdk's: runs ended and their durations, each
 * schema's freshness, and the run queue. Labels are the namespace, project, schema, run kind and
 * result only, so the number of series follows the number of schemas, never runs or commits.
 */
public final class OperatorMetrics {
  private static final String PREFIX = "dbt.operator.";
  public static final String RUNS_FINISHED = PREFIX + "runs.finished";
  public static final String RUN_DURATION = PREFIX + "run.duration";
  public static final String FRESHNESS = PREFIX + "schema.freshness";
  public static final String QUEUE_DEPTH = PREFIX + "run.queue.depth";

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<SchemaKey, Instant> lastRefresh = new ConcurrentHashMap<>();
  private final Map<SchemaKey, Gauge> freshness = new ConcurrentHashMap<>();
  private final Map<ProjectKey, AtomicInteger> queued = new ConcurrentHashMap<>();

  private record ProjectKey(String namespace, String project) {
    Tags tags() {
      return Tags.of("namespace", namespace, "project", project);
    }
  }

  private record SchemaKey(ProjectKey project, String schema) {}

  /**
   * @param clock what the freshness gauges measure the age of the last refresh against
   */
  public OperatorMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** java-operator-sdk's metrics in the same registry, without per-resource series. */
  public Metrics josdk() {
    return MicrometerMetrics.withoutPerResourceMetrics(registry);
  }

  /** Counts and times the runs of one project as the store records their ends. */
  public RunListener runs(String namespace, String project) {
    ProjectKey key = new ProjectKey(namespace, project);
    return new RunListener() {
      @Override
      public void ended(RunRecord run) {
        record(key, run);
      }
    };
  }

  /**
   * What one pass of a project found: the last refresh of each of its live schemas, as the state
   * store has it, and how many steps wait for a run slot. Schemas no longer listed lose their
   * series.
   */
  public void pass(
      String namespace, String project, Map<String, Instant> lastRefreshes, int waitingForSlot) {
    ProjectKey key = new ProjectKey(namespace, project);
    lastRefreshes.forEach(
        (schema, at) -> {
          SchemaKey schemaKey = new SchemaKey(key, schema);
          lastRefresh.put(schemaKey, at);
          freshness.computeIfAbsent(
              schemaKey,
              k ->
                  Gauge.builder(FRESHNESS, () -> ageSeconds(k))
                      .description("Seconds since the run that made the schema's live data started")
                      .baseUnit("seconds")
                      .tags(key.tags().and("schema", schema))
                      .register(registry));
        });
    for (SchemaKey known : freshness.keySet()) {
      if (known.project().equals(key) && !lastRefreshes.containsKey(known.schema())) {
        registry.remove(freshness.remove(known));
        lastRefresh.remove(known);
      }
    }
    queued
        .computeIfAbsent(
            key,
            k -> {
              AtomicInteger depth = new AtomicInteger();
              Gauge.builder(QUEUE_DEPTH, depth, AtomicInteger::get)
                  .description("Steps of the project that could start but wait for a run slot")
                  .tags(k.tags())
                  .register(registry);
              return depth;
            })
        .set(waitingForSlot);
  }

  /**
   * Drops the series of the projects not in {@code projects} (the operator's cache of them): the
   * reconciler is not told of a project's deletion, so each pass sweeps for the ones gone.
   */
  public void retainProjects(Stream<ResourceID> projects) {
    Set<ProjectKey> live =
        projects
            .map(id -> new ProjectKey(id.getNamespace().orElse(""), id.getName()))
            .collect(Collectors.toSet());
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      if (id.getName().startsWith(PREFIX)
          && !live.contains(new ProjectKey(id.getTag("namespace"), id.getTag("project")))) {
        registry.remove(meter);
      }
    }
    freshness.keySet().removeIf(k -> !live.contains(k.project()));
    lastRefresh.keySet().removeIf(k -> !live.contains(k.project()));
    queued.keySet().removeIf(k -> !live.contains(k));
  }

  private double ageSeconds(SchemaKey key) {
    Instant at = lastRefresh.get(key);
    return at == null ? Double.NaN : Duration.between(at, clock.instant()).toMillis() / 1000.0;
  }

  private void record(ProjectKey key, RunRecord run) {
    RunId id = RunId.parse(run.id());
    String kind = id == null ? "other" : kind(id.kind());
    String result = run.status() == RunStatus.SUCCESSFUL ? "succeeded" : "failed";
    Counter.builder(RUNS_FINISHED)
        .description("Runs ended, by the schema they ran for, their kind and result")
        .tags(key.tags().and("schema", run.schema(), "kind", kind, "result", result))
        .register(registry)
        .increment();
    Instant end = run.endedAt() == null ? clock.instant() : run.endedAt();
    // The schema is left out: a histogram per schema would multiply its buckets by the schemas.
    Timer.builder(RUN_DURATION)
        .description("From a run's start to its end, across passes and operator restarts")
        .tags(key.tags().and("kind", kind, "result", result))
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofSeconds(1))
        .maximumExpectedValue(Duration.ofHours(12))
        .register(registry)
        .record(Duration.between(run.startedAt(), end));
  }

  /** The kind as the docs name it: deploy, full-deploy, refresh, full-refresh, snapshot... */
  static String kind(RunId.Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
