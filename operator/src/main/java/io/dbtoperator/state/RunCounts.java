package io.dbtoperator.state;

/** Model and test outcomes of one run. */
public record RunCounts(
    int modelsTotal,
    int modelsSucceeded,
    int modelsFailed,
    int modelsSkipped,
    int testsPassed,
    int testsFailed) {

  public static final RunCounts NONE = new RunCounts(0, 0, 0, 0, 0, 0);
}
