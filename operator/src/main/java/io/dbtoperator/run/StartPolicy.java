package io.dbtoperator.run;

import io.dbtoperator.plan.PlanStep;
import java.util.Optional;

/**
 * Decides whether a step may start a new run now; the operator uses it to back off after failures
 * and to stop retrying a stalled schema. A run already going is always resumed.
 */
@FunctionalInterface
public interface StartPolicy {
  StartPolicy ALWAYS = step -> Optional.empty();

  /**
   * @return the outcome to report instead of starting (e.g. the last failure and when the next
   *     attempt is due), or empty to start
   */
  Optional<SchemaOutcome> hold(PlanStep step);
}
