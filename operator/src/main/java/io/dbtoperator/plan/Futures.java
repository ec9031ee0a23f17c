package io.dbtoperator.plan;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Work done on another thread, its result or its error as the caller's own. */
public final class Futures {
  private Futures() {}

  /** The result, or the work's own runtime error (a PlanException, say), not a wrapper of it. */
  public static <T> T joined(CompletableFuture<T> work) {
    try {
      return work.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}
