package io.dbtoperator.cli;

import io.dbtoperator.run.RunStep;
import io.dbtoperator.run.StepHook;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * For the crash tests only, and off unless the environment names a step: the process kills itself
 * with SIGKILL right after that step's work, before the state store records it, as a kill from
 * outside would at the worst moment. Nothing is flushed or closed, children are left running.
 */
final class KillSwitch {
  static final String VARIABLE = "DBT_OPERATOR_TEST_KILL_AFTER";

  private KillSwitch() {}

  static StepHook fromEnvironment(Map<String, String> env) {
    String value = env.get(VARIABLE);
    if (value == null || value.isBlank()) {
      return StepHook.NONE;
    }
    RunStep at;
    try {
      at = RunStep.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserInputException(VARIABLE + ": \"" + value + "\" is not a step");
    }
    return (schema, step) -> {
      if (step == at) {
        killSelf();
      }
    };
  }

  private static void killSelf() {
    try {
      new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid()))
          .inheritIO()
          .start()
          .waitFor();
      // The signal may take a moment to arrive; the step must not be recorded meanwhile.
      Thread.sleep(10_000);
    } catch (IOException e) {
      Runtime.getRuntime().halt(137);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(137);
  }
}
