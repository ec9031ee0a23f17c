package io.dbtoperator.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** Runs dbt from a local installation, e.g. the project's virtualenv. */
public final class LocalDbtExecutor implements DbtExecutor {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final Path dbt;
  private final Path pidFile;

  /**
   * @param dbt the dbt executable, e.g. .venv/bin/dbt
   */
  public LocalDbtExecutor(Path dbt) {
    this(dbt, null);
  }

  /**
   * @param pidFile where the running dbt's process id is kept, so that a dbt left running by a
   *     killed process is stopped before the next one starts; null to keep none
   */
  public LocalDbtExecutor(Path dbt, Path pidFile) {
    // dbt runs in the project's directory, so a relative path given by the user would not resolve.
    this.dbt = dbt.getNameCount() > 1 || dbt.isAbsolute() ? dbt.toAbsolutePath() : dbt;
    this.pidFile = pidFile == null ? null : pidFile.toAbsolutePath();
  }

  @Override
  public int run(DbtCommand command, Consumer<String> output) {
    stopLeftOver();
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
      remember(process.toHandle());
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          output.accept(line);
        }
      }
      int exit = process.waitFor();
      forget();
      return exit;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + dbt + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  /**
   * A dbt whose parent was killed keeps running and writing to the warehouse; the step it was in is
   * about to be repeated, and the two must not overlap. The process is recognised by its id and
   * start time together, so a reused process id is never taken for it.
   */
  private void stopLeftOver() {
    Optional<ProcessHandle> leftOver = recorded();
    if (leftOver.isEmpty()) {
      return;
    }
    ProcessHandle process = leftOver.get();
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.onExit().join();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot wait for the dbt left running by a killed run", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping a dbt left running", e);
    }
    forget();
  }

  private Optional<ProcessHandle> recorded() {
    if (pidFile == null || !Files.exists(pidFile)) {
      return Optional.empty();
    }
    String[] fields;
    try {
      fields = Files.readString(pidFile).trim().split("\\s+");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pidFile, e);
    }
    if (fields.length != 2 || !fields[0].matches("\\d{1,18}")) {
      return Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(fields[0]))
        .filter(ProcessHandle::isAlive)
        .filter(
            handle ->
                handle
                    .info()
                    .startInstant()
                    .map(Instant::toString)
                    .filter(fields[1]::equals)
                    .isPresent());
  }

  private void remember(ProcessHandle process) {
    if (pidFile == null) {
      return;
    }
    String started = process.info().startInstant().map(Instant::toString).orElse("unknown");
    try {
      Files.createDirectories(pidFile.getParent());
      Files.writeString(pidFile, process.pid() + " " + started + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + pidFile, e);
    }
  }

  private void forget() {
    if (pidFile == null) {
      return;
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + pidFile, e);
    }
  }
}
