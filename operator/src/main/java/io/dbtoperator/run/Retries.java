package io.dbtoperator.run;

import java.io.UncheckedIOException;
import java.util.Optional;

/** Retries of work whose failure must not decide a run's outcome, such as artifact uploads. */
final class Retries {
  static final int ARTIFACT_ATTEMPTS = 3;
  private static final long FIRST_PAUSE_MILLIS = 500;

  private Retries() {}

  /**
   * Runs {@code work} up to {@code attempts} times, pausing longer after each failure of the
   * artifact store or the file system.
   *
   * @return the last failure, empty once an attempt succeeded
   */
  static Optional<RuntimeException> failure(int attempts, Runnable work) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        work.run();
        return Optional.empty();
      } catch (ArtifactStoreException | UncheckedIOException e) {
        last = e;
      }
      if (attempt < attempts && !pause(FIRST_PAUSE_MILLIS * attempt)) {
        break;
      }
    }
    return Optional.ofNullable(last);
  }

  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
