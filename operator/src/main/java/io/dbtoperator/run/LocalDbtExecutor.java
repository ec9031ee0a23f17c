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

  private static final String VERSION_SCRIPT =
      "import importlib.metadata as m; print(m.version('dbt-core'))";

  private final Path dbt;
  private final Path pidFile;
  private Optional<String> version;

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
   * Asks the Python interpreter of the dbt script (its {@code #!} line) for the installed dbt-core:
   * some 50 ms. A dbt that is no Python script has no version here.
   */
  @Override
  public synchronized Optional<String> version() {
    if (version == null) {
      version = interpreter().flatMap(LocalDbtExecutor::dbtCoreVersion);
    }
    return version;
  }

  private Optional<List<String>> interpreter() {
    Path script = dbt.getNameCount() > 1 || dbt.isAbsolute() ? dbt : onPath(dbt.toString());
    if (script == null || !Files.isRegularFile(script)) {
      return Optional.empty();
    }
    try (BufferedReader reader = Files.newBufferedReader(script, StandardCharsets.ISO_8859_1)) {
      String first = reader.readLine();
      if (first == null || !first.startsWith("#!")) {
        return Optional.empty();
      }
      return Optional.of(List.of(first.substring(2).trim().split("\\s+")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + script + ": " + e.getMessage(), e);
    }
  }

  private static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static Optional<String> dbtCoreVersion(List<String> interpreter) {
    List<String> command = new ArrayList<>(interpreter);
    command.addAll(List.of("-c", VERSION_SCRIPT));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0 || !output.trim().matches("[0-9][0-9A-Za-z.+-]*")) {
        return Optional.empty();
      }
      return Optional.of(output.trim());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot run " + interpreter.get(0) + " for the dbt version: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking for the dbt version", e);
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
