package io.dbtoperator.cli;

import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.state.RunPage;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.StateStore;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = "Lists the run history, newest first.")
final class RunsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions options;

  @Option(names = "--schema", description = "Only this schema's runs.")
  String schema;

  @Option(names = "--limit", defaultValue = "20", description = "Runs per page (default: 20).")
  int limit;

  @Option(names = "--page", description = "Page token printed under the previous page.")
  String page;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new UserInputException("--limit must be at least 1, not " + limit);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (SourceRepository repository = ProjectOptions.openRepository(options.repo, "--repo");
        StateStore store = options.openStore(Clock.systemUTC())) {
      String project = options.project(repository, "HEAD");
      RunPage runs;
      try {
        runs = store.runs(project, schema, page, limit);
      } catch (IllegalArgumentException e) {
        // The only argument a user can get wrong here is the page token.
        throw new UserInputException("--page: " + e.getMessage(), e);
      }
      out.printf(
          "%-14s %-26s %-10s %-24s %-10s %-8s %s%n",
          "SCHEMA", "RUN", "STATUS", "STARTED", "STEP", "NODES", "MESSAGE");
      for (RunRecord run : runs.runs()) {
        out.printf(
            "%-14s %-26s %-10s %-24s %-10s %-8s %s%n",
            run.schema(),
            run.id(),
            run.status().name().toLowerCase(Locale.ROOT),
            run.startedAt(),
            run.lastCompletedStep() == null
                ? "-"
                : run.lastCompletedStep().toLowerCase(Locale.ROOT),
            run.counts().modelsSucceeded() + "/" + run.counts().modelsTotal(),
            run.message() == null ? "" : run.message());
      }
      if (runs.nextPageToken() != null) {
        out.println("more: --page " + runs.nextPageToken());
      }
      return 0;
    }
  }
}
