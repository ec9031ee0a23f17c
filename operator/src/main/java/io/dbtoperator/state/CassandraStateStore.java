package io.dbtoperator.state;

import static io.dbtoperator.state.StoreArguments.requirePageLimit;
import static io.dbtoperator.state.StoreArguments.requirePositive;
import static io.dbtoperator.state.StoreArguments.requireVersion;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * State store in a Cassandra or DataStax Astra keyspace. Every write the contract calls a
 * compare-and-set is one lightweight transaction (Paxos) on one partition, checked with {@code
 * wasApplied()}; reads are at LOCAL_QUORUM and transactions at LOCAL_SERIAL.
 *
 * <p>Run history lives in {@code run}, partitioned by (project, schema, month of startedAt) and
 * clustered newest first, so no partition grows without bound. {@code run_by_id} maps a run id to
 * its startedAt (and so to its partition), and {@code run_partition} lists the (month, schema)
 * partitions of a project, newest month first, so that history of all schemas pages without
 * scanning the table.
 */
public final class CassandraStateStore implements StateStore {

  /** Version of the table layout written by this build (see {@link CassandraLayout}). */
  public static final int SCHEMA_VERSION = CassandraLayout.VERSION;

  // Cassandra TTLs run on the servers' clocks, lease expiry on the injected clock. Expiry is
  // decided only by the expires_at column against the injected clock; the TTL merely removes
  // abandoned lease rows, so it is the lease ttl plus a margin larger than any sane clock skew, and
  // a row never vanishes while the injected clock still considers its lease held.
  private static final Duration LEASE_ROW_GRACE = Duration.ofHours(1);

  // Attempts of the read-then-compare-and-set loop of tryAcquireLease; each failed attempt means
  // another writer changed the lease in between, so a few suffice before reporting it as taken.
  private static final int LEASE_ATTEMPTS = 5;

  private final CassandraSession db;
  private final String location;
  private final Clock clock;

  private CassandraStateStore(CassandraSession db, CassandraSettings settings, Clock clock) {
    this.db = db;
    this.location = settings.location();
    this.clock = clock;
  }

  /**
   * Connects, creates the keyspace (plain Cassandra only) and the tables if missing, and checks the
   * stored layout version.
   *
   * @throws StateStoreException if the cluster is unreachable within the connect timeout, the
   *     keyspace is missing on Astra, or the store was written by a newer build
   */
  public static CassandraStateStore open(CassandraSettings settings, Clock clock) {
    CassandraSession db = CassandraSession.connect(settings);
    try {
      CassandraLayout.create(db, settings);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return new CassandraStateStore(db, settings, clock);
  }

  /** The location of this store in {@link StateLocation} syntax, without secrets. */
  public String location() {
    return location;
  }

  /** Month of {@code startedAt} in UTC as yyyyMM: the time bucket of a run's history partition. */
  static int bucketOf(Instant startedAt) {
    OffsetDateTime utc = startedAt.atOffset(ZoneOffset.UTC);
    return utc.getYear() * 100 + utc.getMonthValue();
  }

  // --- schema state ---

  @Override
  public Optional<SchemaState> schema(String project, String schema) {
    Row row =
        db.read("read schema " + project + "/" + schema, db.bind("schema", project, schema)).one();
    return Optional.ofNullable(row).map(CassandraLayout::schemaState);
  }

  @Override
  public List<SchemaState> schemas(String project) {
    List<SchemaState> result = new ArrayList<>();
    for (Row row : db.read("list schemas of " + project, db.bind("schemas", project))) {
      result.add(CassandraLayout.schemaState(row));
    }
    return List.copyOf(result);
  }

  @Override
  public List<String> projects() {
    List<String> result = new ArrayList<>();
    for (Row row : db.read("list projects", db.bind("projects"))) {
      result.add(row.getString("project"));
    }
    result.sort(null);
    return List.copyOf(result);
  }

  @Override
  public boolean compareAndSet(long expectedVersion, SchemaState next) {
    requireVersion(expectedVersion);
    String operation = "write schema " + next.project() + "/" + next.schema();
    BoundStatement statement =
        expectedVersion == 0
            ? db.bind(
                "insertSchema",
                next.project(),
                next.schema(),
                next.liveCommit(),
                CassandraLayout.millis(next.lastRefresh()),
                CassandraLayout.millis(next.lastFullRefresh()),
                CassandraLayout.millis(next.lastSnapshot()))
            : db.bind(
                "updateSchema",
                next.liveCommit(),
                CassandraLayout.millis(next.lastRefresh()),
                CassandraLayout.millis(next.lastFullRefresh()),
                CassandraLayout.millis(next.lastSnapshot()),
                expectedVersion + 1,
                next.project(),
                next.schema(),
                expectedVersion);
    return db.execute(operation, statement).wasApplied();
  }

  // --- runs ---

  @Override
  public boolean insertRun(RunRecord run) {
    String operation = "insert run " + runKey(run);
    Instant startedAt = CassandraLayout.millis(run.startedAt());
    ResultSet claim =
        db.execute(
            operation, db.bind("claimRunId", run.project(), run.schema(), run.id(), startedAt));
    // A claim left by an insert that stopped before writing the run row is completed by the next
    // insert of the same run; the run row's own IF NOT EXISTS decides which insert wins.
    if (!claim.wasApplied() && !startedAt.equals(claim.one().getInstant("started_at"))) {
      return false;
    }
    int bucket = bucketOf(startedAt);
    db.execute(
        operation,
        db.bind("addRunPartition", run.project(), bucket, run.schema()).setIdempotent(true));
    List<Object> values =
        new ArrayList<>(
            Arrays.asList(
                bucket, run.project(), run.schema(), run.id(), run.type().name(), startedAt));
    values.addAll(CassandraLayout.runUpdateValues(run));
    return db.execute(operation, db.bind("insertRun", values.toArray())).wasApplied();
  }

  @Override
  public boolean compareAndSetRun(long expectedVersion, RunRecord next) {
    requireVersion(expectedVersion);
    if (expectedVersion == 0) {
      return insertRun(next);
    }
    String operation = "update run " + runKey(next);
    Optional<Instant> storedStart = startedAt(operation, next.project(), next.schema(), next.id());
    if (storedStart.isEmpty()) {
      return false;
    }
    Instant startedAt = storedStart.get();
    if (!startedAt.equals(CassandraLayout.millis(next.startedAt()))) {
      Optional<RunRecord> stored = readRun(operation, next.project(), next.schema(), next.id());
      if (stored.isPresent() && stored.get().version() == expectedVersion) {
        throw immutableFieldChanged(stored.get(), next);
      }
      return false;
    }
    List<Object> values = new ArrayList<>(CassandraLayout.runUpdateValues(next));
    values.addAll(
        Arrays.asList(
            expectedVersion + 1,
            next.project(),
            next.schema(),
            bucketOf(startedAt),
            startedAt,
            next.id(),
            expectedVersion,
            next.type().name()));
    ResultSet result = db.execute(operation, db.bind("updateRun", values.toArray()));
    if (result.wasApplied()) {
      return true;
    }
    // Tell a changed type apart from a lost race, so callers do not retry a hopeless write.
    Row current = result.one();
    if (String.valueOf(expectedVersion).equals(stringOrNull(current, "version"))
        && !next.type().name().equals(stringOrNull(current, "type"))) {
      throw immutableFieldChanged(
          readRun(operation, next.project(), next.schema(), next.id()).orElseThrow(), next);
    }
    return false;
  }

  private static IllegalArgumentException immutableFieldChanged(RunRecord stored, RunRecord next) {
    return new IllegalArgumentException(
        "run "
            + runKey(next)
            + ": type and startedAt cannot change after insertion (stored "
            + stored.type()
            + " at "
            + stored.startedAt()
            + ", given "
            + next.type()
            + " at "
            + next.startedAt()
            + ")");
  }

  @Override
  public Optional<RunRecord> run(String project, String schema, String id) {
    return readRun("read run " + project + "/" + schema + "/" + id, project, schema, id);
  }

  private Optional<RunRecord> readRun(String operation, String project, String schema, String id) {
    Optional<Instant> startedAt = startedAt(operation, project, schema, id);
    if (startedAt.isEmpty()) {
      return Optional.empty();
    }
    Row row =
        db.read(
                operation,
                db.bind("run", project, schema, bucketOf(startedAt.get()), startedAt.get(), id))
            .one();
    return Optional.ofNullable(row).map(CassandraLayout::runRecord);
  }

  private Optional<Instant> startedAt(String operation, String project, String schema, String id) {
    Row row = db.read(operation, db.bind("runStartedAt", project, schema, id)).one();
    return Optional.ofNullable(row).map(r -> r.getInstant("started_at"));
  }

  @Override
  public RunPage runs(String project, String schema, String pageToken, int limit) {
    requirePageLimit(limit);
    RunCursor after = pageToken == null ? null : RunCursor.decode(pageToken);
    String operation = "list runs of " + project + (schema == null ? "" : "/" + schema);
    int newestBucket =
        after == null ? Integer.MAX_VALUE : bucketOf(Instant.ofEpochMilli(after.startedAtMillis()));
    // One extra run tells whether another page follows, so the last page has no token.
    int wanted = limit + 1;
    List<RunRecord> found = new ArrayList<>();
    Map<Integer, List<String>> schemasByBucket = new LinkedHashMap<>();
    for (Row row : db.read(operation, db.bind("runPartitions", project, newestBucket))) {
      if (schema == null || schema.equals(row.getString("schema_name"))) {
        schemasByBucket
            .computeIfAbsent(row.getInt("bucket"), b -> new ArrayList<>())
            .add(row.getString("schema_name"));
      }
    }
    // Buckets are disjoint month ranges, newest first: once a bucket fills the page, older ones
    // cannot contribute.
    for (Map.Entry<Integer, List<String>> bucket : schemasByBucket.entrySet()) {
      List<RunRecord> inBucket = new ArrayList<>();
      for (String each : bucket.getValue()) {
        inBucket.addAll(runsInPartition(operation, project, each, bucket.getKey(), after, wanted));
      }
      inBucket.sort(RunCursor.NEWEST_FIRST);
      found.addAll(inBucket);
      if (found.size() >= wanted) {
        break;
      }
    }
    if (found.size() <= limit) {
      return new RunPage(found, null);
    }
    List<RunRecord> page = found.subList(0, limit);
    return new RunPage(page, RunCursor.of(page.get(limit - 1)).encode());
  }

  /** Up to {@code wanted} runs of one partition after the cursor, newest first. */
  private List<RunRecord> runsInPartition(
      String operation, String project, String schema, int bucket, RunCursor after, int wanted) {
    boolean cursorInBucket =
        after != null && bucket == bucketOf(Instant.ofEpochMilli(after.startedAtMillis()));
    // The slice includes the cursor's own (startedAt, id), which in other schemas may still come
    // after the cursor; so one more row than wanted, and the exact filter below.
    BoundStatement statement =
        cursorInBucket
            ? db.bind(
                "runsInPartitionAfter",
                project,
                schema,
                bucket,
                Instant.ofEpochMilli(after.startedAtMillis()),
                after.id(),
                wanted + 1)
            : db.bind("runsInPartition", project, schema, bucket, wanted);
    List<RunRecord> runs = new ArrayList<>();
    for (Row row : db.read(operation, statement)) {
      RunRecord run = CassandraLayout.runRecord(row);
      if (after == null || after.isBefore(run)) {
        runs.add(run);
      }
    }
    return runs;
  }

  // --- manifest pointer ---

  @Override
  public Optional<ManifestPointer> manifest(String project) {
    Row row = db.read("read manifest pointer of " + project, db.bind("manifest", project)).one();
    return Optional.ofNullable(row)
        .map(
            r ->
                new ManifestPointer(
                    r.getString("project"),
                    r.getString("git_commit"),
                    r.getString("location"),
                    r.getInstant("updated_at"),
                    r.getLong("version")));
  }

  @Override
  public boolean compareAndSetManifest(long expectedVersion, ManifestPointer next) {
    requireVersion(expectedVersion);
    BoundStatement statement =
        expectedVersion == 0
            ? db.bind(
                "insertManifest",
                next.project(),
                next.commit(),
                next.location(),
                CassandraLayout.millis(next.updatedAt()))
            : db.bind(
                "updateManifest",
                next.commit(),
                next.location(),
                CassandraLayout.millis(next.updatedAt()),
                expectedVersion + 1,
                next.project(),
                expectedVersion);
    return db.execute("write manifest pointer of " + next.project(), statement).wasApplied();
  }

  // --- leases ---

  @Override
  public Optional<Lease> tryAcquireLease(
      String project, String schema, String holder, Duration ttl) {
    requirePositive(ttl);
    String operation = "acquire lease of " + project + "/" + schema + " for " + holder;
    Instant now = clock.instant();
    Lease lease = new Lease(project, schema, holder, CassandraLayout.millis(now.plus(ttl)));
    int rowTtl = leaseRowTtlSeconds(ttl);
    // Compare-and-set against the lease as last seen: a transaction cannot say "free, expired or
    // mine" in one condition, so the decision is made here and the condition pins what it saw.
    Row seen = db.read(operation, db.bind("lease", project, schema)).one();
    for (int attempt = 0; attempt < LEASE_ATTEMPTS; attempt++) {
      String seenHolder = stringOrNull(seen, "holder");
      if (seenHolder != null
          && !seenHolder.equals(holder)
          && seen.getInstant("expires_at").isAfter(now)) {
        return Optional.empty();
      }
      ResultSet result =
          seenHolder == null
              ? db.execute(
                  operation,
                  db.bind("insertLease", project, schema, holder, lease.expiresAt(), rowTtl))
              : db.execute(
                  operation,
                  db.bind(
                      "takeLease",
                      rowTtl,
                      holder,
                      lease.expiresAt(),
                      project,
                      schema,
                      seenHolder,
                      seen.getInstant("expires_at")));
      if (result.wasApplied()) {
        return Optional.of(lease);
      }
      seen = result.one();
    }
    return Optional.empty();
  }

  @Override
  public boolean renewLease(Lease lease, Duration ttl) {
    requirePositive(ttl);
    Instant now = clock.instant();
    return db.execute(
            "renew lease of " + lease.project() + "/" + lease.schema() + " for " + lease.holder(),
            db.bind(
                "renewLease",
                leaseRowTtlSeconds(ttl),
                lease.holder(),
                CassandraLayout.millis(now.plus(ttl)),
                lease.project(),
                lease.schema(),
                lease.holder(),
                now))
        .wasApplied();
  }

  @Override
  public void releaseLease(Lease lease) {
    db.execute(
        "release lease of " + lease.project() + "/" + lease.schema() + " for " + lease.holder(),
        db.bind("releaseLease", lease.project(), lease.schema(), lease.holder()));
  }

  /**
   * A column of a row, as text; null if the row or column is absent. A failed transaction returns
   * the current values of its condition columns, or only its [applied] flag if the row is missing.
   */
  private static String stringOrNull(Row row, String column) {
    if (row == null || !row.getColumnDefinitions().contains(column) || row.isNull(column)) {
      return null;
    }
    Object value = row.getObject(column);
    return String.valueOf(value);
  }

  private static int leaseRowTtlSeconds(Duration ttl) {
    long seconds = ttl.plus(LEASE_ROW_GRACE).toSeconds() + 1;
    return (int) Math.min(seconds, Integer.MAX_VALUE);
  }

  @Override
  public void close() {
    db.close();
  }

  private static String runKey(RunRecord run) {
    return run.project() + "/" + run.schema() + "/" + run.id();
  }
}
