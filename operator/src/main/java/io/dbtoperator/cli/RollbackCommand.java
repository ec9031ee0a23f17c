package io.dbtoperator.cli;

import io.dbtoperator.run.SchemaOutcome;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description =
        "Makes the previous version of a schema live again, with the same atomic swap as a"
            + " deploy. A second rollback undoes the first.")
final class RollbackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions options;

  @Parameters(index = "0", description = "Schema to roll back.")
  String schema;

  private final Clock clock;

  RollbackCommand() {
    this(Clock.systemUTC());
  }

  RollbackCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!schema.matches(io.dbtoperator.api.Identifiers.IDENTIFIER) || schema.length() > 255) {
      throw new UserInputException(
          "<schema>: \""
              + (schema.length() > 100 ? schema.substring(0, 100) + "..." : schema)
              + "\" is not a schema name (letters, digits, _ and $, not starting with a digit)");
    }
    try (ProjectOptions.Session session = options.open("HEAD", clock, new ProgressPrinter(out))) {
      SchemaOutcome outcome = session.runner().rollback(schema);
      ProgressPrinter.table(out, List.of(outcome));
      return 0;
    }
  }
}
