package io.dbtoperator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Ready, Reconciling and Stalled conditions (kstatus), built fresh on each reconcile. A
 * condition whose status did not change keeps its lastTransitionTime.
 */
final class Conditions {
  static final String READY = "Ready";
  static final String RECONCILING = "Reconciling";
  static final String STALLED = "Stalled";

  /** What the resource is doing, in kstatus terms. */
  enum State {
    /** Desired state reached. */
    READY,
    /** Working towards it: planning, building, waiting for a pod. */
    RECONCILING,
    /** Cannot make progress without a change: a bad spec, too many failures. */
    STALLED,
    /** Waiting for a person, e.g. a plan approval or a resumed project. */
    WAITING
  }

  private Conditions() {}

  /**
   * @param reason CamelCase
   * @param message names the spec path where one is at fault
   */
  static List<Condition> of(
      State state,
      String reason,
      String message,
      long generation,
      List<Condition> previous,
      Instant now) {
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        condition(READY, state == State.READY, reason, message, generation, previous, now));
    if (state == State.RECONCILING) {
      conditions.add(condition(RECONCILING, true, reason, message, generation, previous, now));
    }
    if (state == State.STALLED) {
      conditions.add(condition(STALLED, true, reason, message, generation, previous, now));
    }
    return conditions;
  }

  private static Condition condition(
      String type,
      boolean isTrue,
      String reason,
      String message,
      long generation,
      List<Condition> previous,
      Instant now) {
    String status = isTrue ? "True" : "False";
    String since =
        previous == null
            ? null
            : previous.stream()
                .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message == null ? "" : message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since != null ? since : now.toString())
        .build();
  }
}
