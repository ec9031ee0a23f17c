package io.dbtoperator.run;

import java.util.function.Consumer;

/**
 * Runs dbt: as a local process for the CLI, in a pod for the operator.
 *
 * <p>Every line dbt writes to standard output goes to {@code output} as it appears; with {@code
 * --log-format json} each line is one structured event.
 */
public interface DbtExecutor {

  /**
   * @return dbt's exit code: 0 success, 1 a node failed, 2 dbt itself failed
   */
  int run(DbtCommand command, Consumer<String> output);

  /**
   * The version of dbt-core this executor runs, when it can tell without running dbt (whose {@code
   * --version} asks PyPI for the latest release); empty when it cannot.
   */
  default java.util.Optional<String> version() {
    return java.util.Optional.empty();
  }
}
