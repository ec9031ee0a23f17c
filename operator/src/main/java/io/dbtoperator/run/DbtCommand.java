package io.dbtoperator.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One dbt invocation as an argument list, never a shell line.
 *
 * @param arguments the dbt arguments, e.g. ["build", "--select", "shop.marts.orders"]
 * @param secretEnv environment variables holding credentials; the generated profile reads them with
 *     env_var(), so they never appear in arguments, files or logs
 * @param projectDir the checked-out dbt project; dbt runs with it as working directory
 */
public record DbtCommand(List<String> arguments, Map<String, String> secretEnv, Path projectDir) {

  public DbtCommand {
    arguments = List.copyOf(arguments);
    secretEnv = Map.copyOf(secretEnv);
  }

  /** The command line for logs: arguments only; environment variable names without values. */
  @Override
  public String toString() {
    return "dbt "
        + String.join(" ", arguments)
        + " (env: "
        + secretEnv.keySet().stream().sorted().toList()
        + ")";
  }
}
