package io.dbtoperator.warehouse;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clones several relations at once, each session on its own connection, so that a run with many
 * incrementals and snapshots waits for the slowest clone rather than for their sum. Every relation
 * is attempted even when another fails; the step then fails naming each relation that was not
 * cloned, with the warehouse's error.
 */
final class ConcurrentClones {

  /**
   * Sessions open at once. A few are enough to hide the round trip and the metadata work of each
   * clone, and they come on top of the dbt threads a run uses, so the warehouse's connection limit
   * stays far away.
   */
  static final int SESSIONS = 4;

  private static final Logger LOG = LoggerFactory.getLogger(ConcurrentClones.class);

  /** One connection that clones relations one after the other. */
  interface Session extends AutoCloseable {
    void clone(String relation) throws SQLException;

    @Override
    void close();
  }

  interface Sessions {
    Session open() throws SQLException;
  }

  private ConcurrentClones() {}

  /**
   * @param what the operation, as the error names it, e.g. "clone into marts__dbtop_…"
   * @param describe the warehouse's error, on one line
   * @throws WarehouseException when any relation was not cloned
   */
  static void run(
      String what,
      List<String> relations,
      Sessions sessions,
      Function<SQLException, String> describe) {
    if (relations.isEmpty()) {
      return;
    }
    ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>(relations);
    Map<String, String> failures = new ConcurrentHashMap<>();
    AtomicReference<String> connectError = new AtomicReference<>();
    int count = Math.min(SESSIONS, relations.size());
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      List<Callable<Void>> workers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        workers.add(
            () -> {
              work(pending, failures, connectError, sessions, describe);
              return null;
            });
      }
      for (Future<Void> worker : pool.invokeAll(workers)) {
        worker.get();
      }
    } catch (ExecutionException e) {
      // Only an Error gets here (work() keeps every exception): the relation it held is unknown.
      throw new WarehouseException(what + ": a clone session died: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WarehouseException(what + ": interrupted while clones were running", e);
    } finally {
      pool.shutdownNow();
    }
    // Relations left when every session failed to connect were never attempted.
    for (String relation : pending) {
      failures.putIfAbsent(relation, "not attempted: " + connectError.get());
    }
    if (!failures.isEmpty()) {
      List<String> lines = new ArrayList<>();
      new TreeMap<>(failures).forEach((relation, error) -> lines.add(relation + ": " + error));
      throw new WarehouseException(what + " failed for " + String.join("; ", lines));
    }
  }

  private static void work(
      ConcurrentLinkedQueue<String> pending,
      Map<String, String> failures,
      AtomicReference<String> connectError,
      Sessions sessions,
      Function<SQLException, String> describe) {
    Session session;
    try {
      session = sessions.open();
    } catch (SQLException | RuntimeException e) {
      // The other sessions take its share; run() reports what none of them could take.
      connectError.set(errorOf(e, describe));
      LOG.warn("a clone session could not connect: {}", connectError.get());
      return;
    }
    try (session) {
      for (String relation = pending.poll(); relation != null; relation = pending.poll()) {
        try {
          session.clone(relation);
        } catch (SQLException | RuntimeException e) {
          failures.put(relation, errorOf(e, describe));
        }
      }
    }
  }

  private static String errorOf(Exception e, Function<SQLException, String> describe) {
    return e instanceof SQLException sql
        ? describe.apply(sql)
        : String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ");
  }
}
