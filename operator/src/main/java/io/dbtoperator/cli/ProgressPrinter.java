package io.dbtoperator.cli;

import io.dbtoperator.run.DbtProgress;
import io.dbtoperator.run.RunListener;
import io.dbtoperator.run.SchemaOutcome;
import io.dbtoperator.state.RunCounts;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints a line per schema event and a line whenever a node of a schema's run finishes. */
final class ProgressPrinter implements RunListener {
  private final PrintWriter out;
  private final Map<String, Integer> finishedNodes = new HashMap<>();

  ProgressPrinter(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void planned(io.dbtoperator.plan.Plan plan) {
    out.println(PlanRenderer.text(plan, "Plan"));
    out.flush();
  }

  @Override
  public void started(String schema, String runId, String what) {
    out.printf("%-12s %s: run %s%n", schema, what, runId);
    out.flush();
  }

  @Override
  public void progress(String schema, DbtProgress progress) {
    RunCounts counts = progress.counts();
    int finished =
        counts.modelsSucceeded()
            + counts.modelsFailed()
            + counts.modelsSkipped()
            + counts.testsPassed()
            + counts.testsFailed();
    if (finishedNodes.getOrDefault(schema, -1) == finished) {
      return;
    }
    finishedNodes.put(schema, finished);
    out.printf(
        "%-12s %d/%d nodes built, %d failed, %d skipped, tests %d passed %d failed%s%n",
        schema,
        counts.modelsSucceeded(),
        counts.modelsTotal(),
        counts.modelsFailed(),
        counts.modelsSkipped(),
        counts.testsPassed(),
        counts.testsFailed(),
        progress.currentNode().map(n -> ", now " + n).orElse(""));
    out.flush();
  }

  @Override
  public void notice(String schema, String text) {
    out.printf("%-12s note: %s%n", schema.isEmpty() ? "-" : schema, text);
    out.flush();
  }

  @Override
  public void finished(SchemaOutcome outcome) {
    out.printf("%-12s %s%n", outcome.schema(), outcome.result().name().toLowerCase(Locale.ROOT));
    out.flush();
  }

  static void table(PrintWriter out, List<SchemaOutcome> outcomes) {
    out.println();
    out.printf(
        "%-14s %-13s %-9s %-26s %-8s %-8s %s%n",
        "SCHEMA", "ACTION", "RESULT", "RUN", "NODES", "TESTS", "MESSAGE");
    for (SchemaOutcome o : outcomes) {
      RunCounts c = o.counts();
      out.printf(
          "%-14s %-13s %-9s %-26s %-8s %-8s %s%n",
          o.schema(),
          o.snapshotsOnly() ? "snapshot" : o.action().json(),
          o.result().name().toLowerCase(Locale.ROOT),
          o.runId() == null ? "-" : o.runId(),
          c.modelsTotal() == 0 ? "-" : c.modelsSucceeded() + "/" + c.modelsTotal(),
          c.testsPassed() + c.testsFailed() == 0
              ? "-"
              : c.testsPassed() + "/" + (c.testsPassed() + c.testsFailed()),
          o.message() == null ? "" : o.message());
    }
    out.flush();
  }

  static int exitCode(List<SchemaOutcome> outcomes) {
    return outcomes.stream().anyMatch(o -> o.result().blocksDependents()) ? Main.ERROR : 0;
  }
}
