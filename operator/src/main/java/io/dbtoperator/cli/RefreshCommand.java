package io.dbtoperator.cli;

import io.dbtoperator.run.ProjectRunner;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "refresh",
    mixinStandardHelpOptions = true,
    description =
        "Refreshes the schemas due at --at on the live commit, in dependency order; snapshots"
            + " last. Exit 1 if a schema failed or waits.")
final class RefreshCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions options;

  @Option(
      names = "--at",
      description = "Tick time, ISO-8601 with offset (default: now), e.g. 2026-11-23T09:00:00Z.")
  String at;

  private final Clock clock;

  RefreshCommand() {
    this(Clock.systemUTC());
  }

  RefreshCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Instant tick = at == null ? clock.instant() : DueCommand.parseInstant(at);
    try (ProjectOptions.Session session = options.open("HEAD", clock, new ProgressPrinter(out))) {
      ProjectRunner.RefreshResult result = session.runner().refresh(tick);
      out.println("Refresh tick at " + tick + " on " + result.commit().substring(0, 8));
      ProgressPrinter.table(out, result.outcomes());
      return ProgressPrinter.exitCode(result.outcomes());
    }
  }
}
