package io.dbtoperator.reconcile;

import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.run.RunId;
import io.dbtoperator.run.SchemaOutcome;
import io.dbtoperator.run.StartPolicy;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Retries a failed schema with exponential backoff (base, doubled per failure, capped), and stops
 * after {@code maxFailures} consecutive failures at the same commit: the schema is then Stalled
 * until the commit changes. Failures are read from the run history, so an operator restart keeps
 * counting where the last one stopped.
 */
final class RetryPolicy implements StartPolicy {
  static final String STALLED_PREFIX = "stalled after ";

  private final StateStore store;
  private final String project;
  private final String commit;
  private final Instant now;
  private final OperatorSettings settings;
  private java.util.Set<String> exempt = java.util.Set.of();

  RetryPolicy(
      StateStore store, String project, String commit, Instant now, OperatorSettings settings) {
    this.store = store;
    this.project = project;
    this.commit = commit;
    this.now = now;
    this.settings = settings;
  }

  /** A person's request for these schemas overrides the backoff and a stall. */
  RetryPolicy except(java.util.Set<String> schemas) {
    java.util.Set<String> names = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    names.addAll(schemas);
    exempt = names;
    return this;
  }

  @Override
  public Optional<SchemaOutcome> hold(PlanStep step) {
    if (exempt.contains(step.schema())) {
      return Optional.empty();
    }
    List<RunRecord> recent =
        store.runs(project, step.schema(), null, settings.maxFailures() + 1).runs();
    int failures = 0;
    for (RunRecord run : recent) {
      RunId id = RunId.parse(run.id());
      if (run.status() != RunStatus.FAILED || id == null || !commit.startsWith(id.commitPrefix())) {
        break;
      }
      failures++;
    }
    if (failures == 0) {
      return Optional.empty();
    }
    RunRecord last = recent.get(0);
    if (failures >= settings.maxFailures()) {
      return Optional.of(
          outcome(
              step,
              last,
              STALLED_PREFIX
                  + failures
                  + " consecutive failures; push a fix or request a run: "
                  + last.message()));
    }
    Duration delay = settings.retryBase().multipliedBy(1L << Math.min(failures - 1, 20));
    if (delay.compareTo(settings.retryCap()) > 0) {
      delay = settings.retryCap();
    }
    Instant retryAt = (last.endedAt() == null ? last.startedAt() : last.endedAt()).plus(delay);
    if (now.isBefore(retryAt)) {
      return Optional.of(
          outcome(
              step,
              last,
              "failed " + failures + "x, retrying at " + retryAt + ": " + last.message()));
    }
    return Optional.empty();
  }

  /** When the held step is due to be tried again, for the requeue; null when never. */
  static boolean isStalled(SchemaOutcome outcome) {
    return outcome.message() != null && outcome.message().startsWith(STALLED_PREFIX);
  }

  private static SchemaOutcome outcome(PlanStep step, RunRecord last, String message) {
    return new SchemaOutcome(
        step.schema(),
        step.action(),
        step.snapshotsOnly(),
        SchemaOutcome.Result.FAILED,
        last.id(),
        last.counts() == null ? RunCounts.NONE : last.counts(),
        message);
  }
}
