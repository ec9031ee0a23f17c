package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.run.SchemaOutcome;
import io.dbtoperator.run.StartPolicy;
import io.dbtoperator.state.RunCounts;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A DbtSchema with {@code spec.suspend} starts no run, not even a deploy's or a person's request; a
 * run already going finishes. Its dependents wait, since they would read a version it never got.
 */
final class SuspendedSchemas {
  static final String MESSAGE = "spec.suspend is true: no new runs";

  private final Set<String> suspended = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  SuspendedSchemas(Collection<DbtSchema> schemas) {
    schemas.stream()
        .filter(s -> s.getSpec().suspend())
        .forEach(s -> suspended.add(s.getSpec().schema()));
  }

  boolean contains(String schema) {
    return suspended.contains(schema);
  }

  /** Holds the suspended schemas' steps, and asks {@code otherwise} about the others. */
  StartPolicy around(StartPolicy otherwise) {
    return step -> contains(step.schema()) ? Optional.of(held(step)) : otherwise.hold(step);
  }

  private static SchemaOutcome held(PlanStep step) {
    return (new SchemaOutcome(
        step.schema(),
        step.action(),
        step.snapshotsOnly(),
        SchemaOutcome.Result.WAITING,
        null,
        RunCounts.NONE,
        MESSAGE));
  }
}
