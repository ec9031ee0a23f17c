package io.dbtoperator.cli;

import io.dbtoperator.plan.PlanException;
import io.dbtoperator.state.StateStoreException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The dbt-operator command line: the same engine as the operator, for CI and local use. */
@Command(
    name = "dbt-operator",
    mixinStandardHelpOptions = true,
    version = "dbt-operator 0.1.0",
    description = "Plans, deploys and refreshes dbt projects schema by schema.",
    footer = {
      "",
      "Exit codes: 0 no changes or all went live, 2 changes (plan) or refreshes due (due),"
          + " 1 error or a schema that failed or waits."
    })
public final class Main {
  static final int NO_CHANGES = 0;
  static final int ERROR = 1;
  static final int CHANGES = 2;

  /**
   * The subcommands. Picocli introspects each command it is given, and with it loads the classes of
   * its options (the Kubernetes client, the operator SDK, the state stores): a third of the classes
   * a cold plan loaded (docs/benchmarks.md, "Cold plan profile"). A process that runs one command
   * is given that one only; help, version and unknown names get all.
   */
  private static final List<Class<?>> COMMANDS =
      List.of(
          PlanCommand.class,
          DueCommand.class,
          DeployCommand.class,
          RefreshCommand.class,
          StatusCommand.class,
          RollbackCommand.class,
          RunsCommand.class,
          OperatorCommand.class,
          TriggerCommand.class,
          CheckoutCommand.class,
          UploadManifestCommand.class,
          RestorePartialParseCommand.class,
          UploadRunArtifactsCommand.class,
          LocalCommand.class);

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  static int run(String[] args, PrintWriter out, PrintWriter err) {
    Optional<String> logFormat = logFormatProblem(System.getProperties(), System.getenv());
    if (logFormat.isPresent()) {
      err.println("error: " + logFormat.get());
      return ERROR;
    }
    CommandLine commandLine = commandLine(args);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(
        (ex, arguments) -> {
          err.println(
              "error: "
                  + oneLine(redacted(ex.getMessage()))
                  + " (see: "
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help)");
          return ERROR;
        });
    commandLine.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          err.println("error: " + userMessage(ex));
          return ERROR;
        });
    return commandLine.execute(args);
  }

  /** The command line that runs {@code args}. */
  public static CommandLine commandLine(String[] args) {
    CommandLine commandLine = new CommandLine(new Main());
    String first = args.length == 0 ? "" : args[0];
    Optional<Class<?>> invoked =
        COMMANDS.stream()
            .filter(command -> command.getAnnotation(Command.class).name().equals(first))
            .findFirst();
    if (invoked.isPresent()) {
      commandLine.addSubcommand(invoked.get());
      return commandLine;
    }
    COMMANDS.forEach(commandLine::addSubcommand);
    commandLine.addSubcommand(CommandLine.HelpCommand.class);
    return commandLine;
  }

  /**
   * {@link LogConfigurator} writes JSON for {@code json} and text for anything else: a misspelt
   * format is refused rather than silently logged as text.
   */
  static Optional<String> logFormatProblem(
      java.util.Properties properties, java.util.Map<String, String> environment) {
    String property = properties.getProperty(LogConfigurator.FORMAT_PROPERTY);
    String name =
        property != null ? "-D" + LogConfigurator.FORMAT_PROPERTY : LogConfigurator.FORMAT_VARIABLE;
    String format = property != null ? property : environment.get(LogConfigurator.FORMAT_VARIABLE);
    if (format == null || format.equals("text") || format.equals("json")) {
      return Optional.empty();
    }
    return Optional.of(name + ": expected text or json, got \"" + format + "\"");
  }

  /**
   * Input errors carry a message written for users. Anything else is a bug or an environment
   * failure (a full disk); its message is kept, on one line, but never a class name or a trace.
   */
  static String userMessage(Exception ex) {
    return redacted(plainMessage(ex));
  }

  private static final java.util.regex.Pattern USER_INFO =
      java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\\s\"]*@");

  /** A last guard: whatever a message quotes, a URI's user-info may hold a password. */
  private static String redacted(String message) {
    return message == null ? null : USER_INFO.matcher(message).replaceAll("$1***@");
  }

  private static String plainMessage(Exception ex) {
    if (ex instanceof PlanException
        || ex instanceof UserInputException
        || ex instanceof StateStoreException
        || ex instanceof io.dbtoperator.warehouse.WarehouseException
        || ex instanceof io.dbtoperator.run.ArtifactStoreException) {
      return oneLine(ex.getMessage());
    }
    String message = ex.getMessage() == null ? "no details" : oneLine(ex.getMessage());
    return "unexpected failure: " + message;
  }

  private static String oneLine(String message) {
    return message == null ? "no details" : message.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
