package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.run.RunStep;
import io.dbtoperator.run.SchemaOutcome;
import io.dbtoperator.run.StepProgress;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SchemaState;

/**
 * A schema's phase (Pending, Building, Swapping, Ready, Waiting, Failed, Stalled, Suspended) and
 * its condition, from the step of the current pass, the newest run and the live state.
 */
record SchemaPhase(String name, Conditions.State state, String reason, String message) {

  static SchemaPhase of(
      DbtSchema resource, SchemaState live, RunRecord last, StepProgress step, boolean awaiting) {
    if (resource.getSpec().suspend()) {
      return new SchemaPhase(
          "Suspended", Conditions.State.WAITING, "Suspended", "spec.suspend is true");
    }
    if (step != null && step.state() == StepProgress.State.RUNNING) {
      return running(last, step);
    }
    if (step != null && step.state() == StepProgress.State.PENDING) {
      return new SchemaPhase("Pending", Conditions.State.RECONCILING, "Pending", step.detail());
    }
    if (step != null && step.outcome() != null) {
      SchemaOutcome outcome = step.outcome();
      switch (outcome.result()) {
        case FAILED -> {
          return RetryPolicy.isStalled(outcome)
              ? new SchemaPhase(
                  "Stalled", Conditions.State.STALLED, "RetriesExhausted", outcome.message())
              : new SchemaPhase(
                  "Failed", Conditions.State.RECONCILING, "RunFailed", outcome.message());
        }
        case WAITING -> {
          return new SchemaPhase(
              "Waiting", Conditions.State.RECONCILING, "UpstreamNotReady", outcome.message());
        }
        case BUSY -> {
          return new SchemaPhase(
              "Pending", Conditions.State.RECONCILING, "LeaseHeld", outcome.message());
        }
        default -> {
          // LIVE and UNCHANGED: the schema is at its desired state; fall through to the live state.
        }
      }
    }
    if (awaiting) {
      return new SchemaPhase(
          "Pending",
          Conditions.State.WAITING,
          "AwaitingApproval",
          "the project's plan awaits approval (spec.approvedPlan)");
    }
    if (live == null || live.liveCommit() == null) {
      return new SchemaPhase(
          "Pending", Conditions.State.RECONCILING, "NotDeployed", "not deployed yet");
    }
    if (last != null && last.status() == RunStatus.FAILED) {
      return new SchemaPhase(
          "Ready",
          Conditions.State.READY,
          "LastRunFailed",
          "live at " + shortSha(live.liveCommit()) + "; the last run failed: " + last.message());
    }
    return new SchemaPhase(
        "Ready", Conditions.State.READY, "Live", "live at " + shortSha(live.liveCommit()));
  }

  private static String shortSha(String sha) {
    return sha.substring(0, Math.min(7, sha.length()));
  }

  private static SchemaPhase running(RunRecord last, StepProgress step) {
    RunStep done = last == null ? null : RunStep.named(last.lastCompletedStep());
    boolean swapping = done != null && done.ordinal() >= RunStep.GRANT.ordinal();
    String detail = step.detail() == null ? "run " + step.runId() : step.detail();
    return swapping
        ? new SchemaPhase("Swapping", Conditions.State.RECONCILING, "Swapping", detail)
        : new SchemaPhase("Building", Conditions.State.RECONCILING, "Building", detail);
  }
}
