package io.dbtoperator.state;

/** What started a run. */
public enum RunType {
  MANUAL,
  SCHEDULED
}
