package io.dbtoperator.state;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Durable state shared by the CLI and the operator: live state per schema, run history, the newest
 * manifest per project and per-schema run leases.
 *
 * <p>Every write is a single-row compare-and-set so that the interface can be implemented with
 * Cassandra lightweight transactions: no multi-row transactions and no joins. A lost race is
 * reported as {@code false} (or an empty lease), never as an exception; {@link StateStoreException}
 * means the store itself is unusable.
 *
 * <p>Instants are kept with millisecond precision (Cassandra's timestamp resolution); finer
 * precision is truncated on write. Time for leases comes from the store's injected clock.
 */
public interface StateStore extends AutoCloseable {

  Optional<SchemaState> schema(String project, String schema);

  /** All schemas of a project, sorted by schema name. */
  List<SchemaState> schemas(String project);

  /**
   * The projects that have schemas in this store, sorted: one store can serve many projects, and
   * none may take over another's schemas.
   */
  List<String> projects();

  /**
   * Writes {@code next} if the stored version of its schema is {@code expectedVersion}; 0 means the
   * schema must not exist yet. On success the stored version is {@code expectedVersion + 1}; the
   * version of {@code next} is ignored.
   */
  boolean compareAndSet(long expectedVersion, SchemaState next);

  /** Inserts a new run with version 1; false if a run with its id already exists. */
  boolean insertRun(RunRecord run);

  /**
   * Replaces a run if its stored version is {@code expectedVersion}; the stored version then is
   * {@code expectedVersion + 1}.
   *
   * @throws IllegalArgumentException if {@code next} changes the run's type or startedAt
   */
  boolean compareAndSetRun(long expectedVersion, RunRecord next);

  Optional<RunRecord> run(String project, String schema, String id);

  /**
   * A page of run history, newest first by startedAt, then by id and schema descending. Paging is
   * by key, so runs inserted between pages never shift or repeat entries on later pages.
   *
   * @param schema null for all schemas of the project
   * @param pageToken null for the first page, else {@link RunPage#nextPageToken()} of the previous
   * @param limit maximum number of runs on the page, at least 1
   */
  RunPage runs(String project, String schema, String pageToken, int limit);

  Optional<ManifestPointer> manifest(String project);

  /** Same contract as {@link #compareAndSet(long, SchemaState)}, for the manifest pointer. */
  boolean compareAndSetManifest(long expectedVersion, ManifestPointer next);

  /**
   * Takes the run lease of a schema for {@code ttl} if it is free, expired, or already held by
   * {@code holder} (which then renews it).
   *
   * @return the lease now held, or empty if another holder has it
   */
  Optional<Lease> tryAcquireLease(String project, String schema, String holder, Duration ttl);

  /** Extends a lease to now + {@code ttl}; false if it expired or another holder took it. */
  boolean renewLease(Lease lease, Duration ttl);

  /** Frees a lease if it is still held by {@code lease.holder()}; otherwise does nothing. */
  void releaseLease(Lease lease);

  @Override
  void close();
}
