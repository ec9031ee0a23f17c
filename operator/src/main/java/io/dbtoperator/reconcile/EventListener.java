package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.run.RunListener;
import io.dbtoperator.run.SchemaOutcome;

/** Turns run transitions into Events on the project: RunStarted, Swapped, TestsFailed, Failed. */
final class EventListener implements RunListener {
  private final Events events;
  private final DbtProject project;

  EventListener(Events events, DbtProject project) {
    this.events = events;
    this.project = project;
  }

  @Override
  public void started(String schema, String runId, String what) {
    try (var logged = RunLog.context(schema, runId)) {
      events.record(project, false, "RunStarted", schema + ": " + what + " (run " + runId + ")");
    }
  }

  @Override
  public void finished(SchemaOutcome outcome) {
    if (outcome.runId() == null && outcome.result() != SchemaOutcome.Result.FAILED) {
      return;
    }
    try (var logged = RunLog.context(outcome.schema(), outcome.runId())) {
      record(outcome);
    }
  }

  private void record(SchemaOutcome outcome) {
    switch (outcome.result()) {
      case LIVE ->
          events.record(project, false, "Swapped", outcome.schema() + ": " + outcome.message());
      case FAILED -> {
        if (RetryPolicy.isStalled(outcome) || outcome.message().startsWith("failed ")) {
          return;
        }
        boolean tests = outcome.counts() != null && outcome.counts().testsFailed() > 0;
        events.record(
            project,
            true,
            tests ? "TestsFailed" : "Failed",
            outcome.schema() + ": " + outcome.message());
      }
      default -> {
        // Waiting and busy schemas are shown in their status; they are not transitions of a run.
      }
    }
  }
}
