package io.dbtoperator.run;

import io.dbtoperator.plan.PlanException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command killed while its embedded PostgreSQL ran leaves the server running on its data
 * directory, which a new server refuses to share. Stopping it before the start makes one restart
 * enough.
 */
final class EmbeddedPostgresOrphans {
  private static final long FAST_SHUTDOWN_SECONDS = 30;

  private EmbeddedPostgresOrphans() {}

  /** Stops the server whose postmaster.pid is in {@code dataDir}, if it still runs. */
  static void stop(Path dataDir) {
    Optional<ProcessHandle> orphan = running(dataDir.resolve("postmaster.pid"));
    if (orphan.isEmpty()) {
      return;
    }
    ProcessHandle postmaster = orphan.get();
    // SIGINT is PostgreSQL's fast shutdown: sessions a killed dbt left open do not hold it up.
    signal("INT", postmaster.pid());
    try {
      postmaster.onExit().get(FAST_SHUTDOWN_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new PlanException(
          "--warehouse embedded:"
              + dataDir
              + ": the PostgreSQL left running there (process "
              + postmaster.pid()
              + ") did not stop within "
              + FAST_SHUTDOWN_SECONDS
              + " s; stop it and retry");
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot wait for PostgreSQL " + postmaster.pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping PostgreSQL", e);
    }
  }

  /** The postmaster of the pid file if it is alive and is PostgreSQL, not a reused process id. */
  private static Optional<ProcessHandle> running(Path pidFile) {
    if (!Files.isRegularFile(pidFile)) {
      return Optional.empty();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pidFile, e);
    }
    if (lines.isEmpty() || !lines.get(0).trim().matches("\\d{1,18}")) {
      return Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
  }

  private static void signal(String signal, long pid) {
    try {
      int exit =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor();
      if (exit != 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        throw new PlanException(
            "cannot stop the PostgreSQL left running (process " + pid + "): kill exit " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping PostgreSQL", e);
    }
  }
}
