package io.dbtoperator.run;

import io.dbtoperator.plan.PlanStep;

/**
 * Where one step of a plan or refresh tick is after a pass of {@link RunEngine#advance}.
 *
 * @param outcome the step's end state; null while it is pending or running
 * @param runId the run carrying the step out; null while pending
 * @param detail what it is doing or waiting for, e.g. "building: pod Running"
 */
public record StepProgress(
    PlanStep step, State state, SchemaOutcome outcome, String runId, String detail) {

  /** The phases a step goes through. */
  public enum State {
    /** Not started: its upstream schemas are not done, or no run slot is free. */
    PENDING,
    /** A run is carrying it out. */
    RUNNING,
    /** Over: see the outcome. */
    DONE
  }

  static final String WAITING_FOR_SLOT = "waiting for a free run slot";

  static StepProgress pending(PlanStep step, String detail) {
    return new StepProgress(step, State.PENDING, null, null, detail);
  }

  static StepProgress done(PlanStep step, SchemaOutcome outcome) {
    return new StepProgress(step, State.DONE, outcome, outcome.runId(), outcome.message());
  }

  public boolean isDone() {
    return state == State.DONE;
  }

  /** Whether the step could start but waits for the run limits: the depth of the run queue. */
  public boolean waitsForRunSlot() {
    return state == State.PENDING && WAITING_FOR_SLOT.equals(detail);
  }
}
