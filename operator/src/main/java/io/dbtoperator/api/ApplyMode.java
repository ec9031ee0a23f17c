package io.dbtoperator.api;

/** Whether a project's plans are applied as soon as they are computed or only once approved. */
public enum ApplyMode {
  Auto,
  /**
   * The plan waits until spec.approvedPlan equals its hash, so a reviewer controls each rollout.
   */
  Manual
}
