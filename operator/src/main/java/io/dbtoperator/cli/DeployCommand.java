package io.dbtoperator.cli;

import io.dbtoperator.run.ProjectRunner;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description =
        "Plans the change from the live commit to --to and carries it out: each schema is built"
            + " into staging, tested, granted and swapped in. Exit 1 if a schema failed or waits.")
final class DeployCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions options;

  @Option(
      names = "--to",
      defaultValue = "HEAD",
      description = "Revision to deploy (default: HEAD).")
  String to;

  @Option(
      names = "--take-over",
      description =
          "Deploy over schemas that another project owns (by their tag in the warehouse or in the"
              + " state store); without it such a deploy is refused.")
  boolean takeOver;

  private final Clock clock;

  DeployCommand() {
    this(Clock.systemUTC());
  }

  DeployCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    options.takeOver = takeOver;
    options.revisionOption = "--to";
    try (ProjectOptions.Session session = options.open(to, clock, new ProgressPrinter(out))) {
      ProjectRunner.DeployResult result = session.runner().deploy(to);
      ProgressPrinter.table(out, result.outcomes());
      return ProgressPrinter.exitCode(result.outcomes());
    }
  }
}
