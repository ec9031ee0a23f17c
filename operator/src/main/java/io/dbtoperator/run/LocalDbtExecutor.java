package io.dbtoperator.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Runs dbt from a local installation, e.g. the project's virtualenv. */
public final class LocalDbtExecutor implements DbtExecutor {
  private final Path dbt;

  /**
   * @param dbt the dbt executable, e.g. .venv/bin/dbt
   */
  public LocalDbtExecutor(Path dbt) {
    this.dbt = dbt;
  }

  @Override
  public int run(DbtCommand command, Consumer<String> output) {
    List<String> commandLine = new ArrayList<>();
    commandLine.add(dbt.toString());
    commandLine.addAll(command.arguments());
    ProcessBuilder builder =
        new ProcessBuilder(commandLine)
            .directory(command.projectDir().toFile())
            .redirectErrorStream(true);
    builder.environment().putAll(command.secretEnv());
    // dbt would otherwise look for ~/.dbt/profiles.yml and user config of the machine it runs on.
    builder.environment().put("DBT_SEND_ANONYMOUS_USAGE_STATS", "false");
    try {
      Process process = builder.start();
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          output.accept(line);
        }
      }
      return process.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + dbt + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }
}
