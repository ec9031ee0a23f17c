package io.dbtoperator.plan;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one tick.
 *
 * @param at the instant the tick was evaluated at
 * @param steps one step per schema in dependency order, then the snapshot steps
 * @param nextDue by schema name, the earliest instant at or after {@code at} at which the schema's
 *     refresh is due and allowed to start; absent for schemas that are never refreshed
 */
public record DueResult(Instant at, List<PlanStep> steps, Map<String, Instant> nextDue) {

  public DueResult {
    steps = List.copyOf(steps);
    nextDue = Collections.unmodifiableMap(new LinkedHashMap<>(nextDue));
  }
}
