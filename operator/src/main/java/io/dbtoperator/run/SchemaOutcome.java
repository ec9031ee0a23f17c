package io.dbtoperator.run;

import io.dbtoperator.plan.Action;
import io.dbtoperator.state.RunCounts;

/**
 * What happened to one schema of a plan.
 *
 * @param runId null when nothing ran
 * @param message the reason, the failing nodes, or what had to be repaired
 */
public record SchemaOutcome(
    String schema,
    Action action,
    boolean snapshotsOnly,
    Result result,
    String runId,
    RunCounts counts,
    String message) {

  /** The end state of a schema after a plan was carried out. */
  public enum Result {
    /** The new version is live. */
    LIVE,
    /** Nothing to build; settings may have been applied to live. */
    UNCHANGED,
    /** The run failed; the previous version is still live. */
    FAILED,
    /** Not started, because a schema it reads from failed or is waiting. */
    WAITING,
    /** Another run holds the schema's lease. */
    BUSY;

    public boolean blocksDependents() {
      return this == FAILED || this == WAITING || this == BUSY;
    }
  }
}
