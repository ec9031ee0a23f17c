package io.dbtoperator.state;

/** Lifecycle of a run; the last three are final. */
public enum RunStatus {
  QUEUED,
  RUNNING,
  SUCCESSFUL,
  PARTIAL_SUCCESS,
  FAILED
}
