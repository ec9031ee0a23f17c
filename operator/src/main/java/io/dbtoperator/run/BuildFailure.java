package io.dbtoperator.run;

import java.util.List;

/** The message of a failed build: the command, its exit code and what failed in it. */
final class BuildFailure {
  private BuildFailure() {}

  /**
   * @param what the command to name when the executor does not say which one failed
   */
  static String describe(
      BuildStatus.Finished finished, String what, DbtProgress progress, String schema) {
    List<String> failed = progress.failedNodes();
    String command = finished.command() == null ? what : finished.command();
    StringBuilder message =
        new StringBuilder("dbt " + command + " failed (exit " + finished.exitCode() + ")");
    if (!failed.isEmpty()) {
      message.append(": ").append(String.join(", ", failed));
    } else {
      message.append(": ").append(progress.describeFailure());
    }
    message.append("; live ").append(schema).append(" is unchanged");
    return message.toString();
  }
}
