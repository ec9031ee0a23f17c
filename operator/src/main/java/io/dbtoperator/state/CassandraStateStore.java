package io.dbtoperator.state;

import static io.dbtoperator.state.StoreArguments.requirePageLimit;
import static io.dbtoperator.state.StoreArguments.requirePositive;
import static io.dbtoperator.state.StoreArguments.requireVersion;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.internal.core.retry.DefaultRetryPolicy;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

  /** Version of the table layout written by this build; bump it together with a migration. */
  public static final int SCHEMA_VERSION = 1;

  // DDL waits for the whole cluster to agree on the schema, which takes longer than a request.
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  // Cassandra TTLs run on the servers' clocks, lease expiry on the injected clock. Expiry is
  // decided only by the expires_at column against the injected clock; the TTL merely removes
  // abandoned lease rows, so it is the lease ttl plus a margin larger than any sane clock skew, and
  // a row never vanishes while the injected clock still considers its lease held.
  private static final Duration LEASE_ROW_GRACE = Duration.ofHours(1);

  // Attempts of the read-then-compare-and-set loop of tryAcquireLease; each failed attempt means
  // another writer changed the lease in between, so a few suffice before reporting it as taken.
  private static final int LEASE_ATTEMPTS = 5;

  // The columns a run update may change, in the order of runUpdateValues.
  private static final String RUN_UPDATABLE_COLUMNS =
      "status, ended_at, models_total, models_succeeded, models_failed, models_skipped,"
          + " tests_passed, tests_failed, log_location, last_completed_step, message";

  private static final String RUN_COLUMNS =
      "project, schema_name, id, type, started_at, " + RUN_UPDATABLE_COLUMNS + ", version";

  private static final String SCHEMA_COLUMNS =
      "project, schema_name, live_commit, last_refresh, last_full_refresh, last_snapshot, version";

  private final CqlSession session;
  private final String location;
  private final String keyspace;
  private final Clock clock;
  private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>();
  private volatile boolean closed;

  private CassandraStateStore(CqlSession session, CassandraSettings settings, Clock clock) {
    this.session = session;
    this.location = settings.location();
    this.keyspace = settings.keyspace();
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
    CqlSession session = connect(settings);
    CassandraStateStore store = new CassandraStateStore(session, settings, clock);
    try {
      store.initialize(settings);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
    return store;
  }

  private static CqlSession connect(CassandraSettings settings) {
    Duration connectTimeout = settings.connectTimeout();
    DriverConfigLoader config =
        DriverConfigLoader.programmaticBuilder()
            .withString(DefaultDriverOption.SESSION_NAME, "dbt-operator-state")
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, settings.requestTimeout())
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
            .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "LOCAL_SERIAL")
            // Lightweight transactions must not be retried blindly: statements are not idempotent
            // unless marked so, and the default policy retries only those on other nodes.
            .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, false)
            .withClass(DefaultDriverOption.RETRY_POLICY_CLASS, DefaultRetryPolicy.class)
            .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, DDL_TIMEOUT)
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, DDL_TIMEOUT)
            // Schema metadata is not used (the keyspace check queries system_schema), and keeping
            // it costs a debounced refresh after every DDL statement.
            .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
            // Fail the open instead of reconnecting in the background forever.
            .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
            .build();
    CqlSessionBuilder builder = CqlSession.builder().withConfigLoader(config);
    if (settings.isAstra()) {
      builder.withCloudSecureConnectBundle(
          new ByteArrayInputStream(settings.secureConnectBundle().zip()));
    } else {
      for (CassandraSettings.ContactPoint point : settings.contactPoints()) {
        builder.addContactPoint(InetSocketAddress.createUnresolved(point.host(), point.port()));
      }
      builder.withLocalDatacenter(settings.localDatacenter());
    }
    if (settings.username() != null) {
      builder.withAuthCredentials(settings.username(), settings.password());
    }
    CompletableFuture<CqlSession> connecting = builder.buildAsync().toCompletableFuture();
    try {
      // The driver tries contact points one after another, each up to the connect timeout; the
      // overall bound keeps "unreachable" to seconds however many points are listed.
      return connecting.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      connecting.thenAccept(CqlSession::closeAsync);
      throw new StateStoreException(
          "state store "
              + settings.location()
              + ": open failed: unreachable, no connection within "
              + connectTimeout.toSeconds()
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connecting.thenAccept(CqlSession::closeAsync);
      throw new StateStoreException("state store " + settings.location() + ": open interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String problem =
          cause instanceof AllNodesFailedException
              ? "unreachable: " + cause.getMessage()
              : String.valueOf(cause.getMessage());
      throw new StateStoreException(
          "state store " + settings.location() + ": open failed: " + problem, cause);
    }
  }

  private void initialize(CassandraSettings settings) {
    if (settings.isAstra()) {
      Row found =
          execute(
                  "open",
                  SimpleStatement.newInstance(
                          "SELECT keyspace_name FROM system_schema.keyspaces"
                              + " WHERE keyspace_name = ?",
                          keyspace)
                      .setIdempotent(true))
              .one();
      if (found == null) {
        throw new StateStoreException(
            "state store "
                + location
                + ": open failed: keyspace "
                + keyspace
                + " does not exist; Astra creates keyspaces outside CQL, so create it in the"
                + " Astra console (or with the Astra DevOps API) and try again");
      }
    } else {
      ddl(
          "CREATE KEYSPACE IF NOT EXISTS "
              + keyspace
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': "
              + settings.replicationFactor()
              + "}");
    }
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("schema_version")
            + " (id int PRIMARY KEY, version int)");
    Row stored =
        execute(
                "open",
                SimpleStatement.newInstance(
                        "SELECT version FROM " + table("schema_version") + " WHERE id = 1")
                    .setIdempotent(true))
            .one();
    if (stored != null && stored.getInt("version") > SCHEMA_VERSION) {
      throw new StateStoreException(
          "state store "
              + location
              + ": open failed: the store has schema version "
              + stored.getInt("version")
              + " but this build of dbt-operator knows versions up to "
              + SCHEMA_VERSION
              + "; upgrade dbt-operator to use this store");
    }
    // Version 1 is the first layout; steps from older versions will go here, before the DDL.
    createTables();
    if (stored == null) {
      execute(
          "open",
          SimpleStatement.newInstance(
              "INSERT INTO "
                  + table("schema_version")
                  + " (id, version) VALUES (1, ?) IF NOT EXISTS",
              SCHEMA_VERSION));
    }
    prepareStatements();
  }

  private void createTables() {
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("schema_state")
            + " (project text, schema_name text, live_commit text, last_refresh timestamp,"
            + " last_full_refresh timestamp, last_snapshot timestamp, version bigint,"
            + " PRIMARY KEY ((project), schema_name))");
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("run")
            + " (project text, schema_name text, bucket int, started_at timestamp, id text,"
            + " type text, status text, ended_at timestamp, models_total int,"
            + " models_succeeded int, models_failed int, models_skipped int, tests_passed int,"
            + " tests_failed int, log_location text, last_completed_step text, message text,"
            + " version bigint,"
            + " PRIMARY KEY ((project, schema_name, bucket), started_at, id))"
            + " WITH CLUSTERING ORDER BY (started_at DESC, id DESC)");
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("run_by_id")
            + " (project text, schema_name text, id text, started_at timestamp,"
            + " PRIMARY KEY ((project, schema_name, id)))");
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("run_partition")
            + " (project text, bucket int, schema_name text,"
            + " PRIMARY KEY ((project), bucket, schema_name))"
            + " WITH CLUSTERING ORDER BY (bucket DESC, schema_name ASC)");
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("manifest_pointer")
            + " (project text PRIMARY KEY, git_commit text, location text, updated_at timestamp,"
            + " version bigint)");
    ddl(
        "CREATE TABLE IF NOT EXISTS "
            + table("schema_lease")
            + " (project text, schema_name text, holder text, expires_at timestamp,"
            + " PRIMARY KEY ((project, schema_name)))");
  }

  private void prepareStatements() {
    prepare(
        "schema",
        "SELECT " + SCHEMA_COLUMNS + " FROM KS.schema_state WHERE project = ? AND schema_name = ?");
    prepare("schemas", "SELECT " + SCHEMA_COLUMNS + " FROM KS.schema_state WHERE project = ?");
    prepare("projects", "SELECT DISTINCT project FROM KS.schema_state");
    prepare(
        "insertSchema",
        "INSERT INTO KS.schema_state (project, schema_name, live_commit, last_refresh,"
            + " last_full_refresh, last_snapshot, version) VALUES (?, ?, ?, ?, ?, ?, 1)"
            + " IF NOT EXISTS");
    prepare(
        "updateSchema",
        "UPDATE KS.schema_state SET live_commit = ?, last_refresh = ?, last_full_refresh = ?,"
            + " last_snapshot = ?, version = ? WHERE project = ? AND schema_name = ?"
            + " IF version = ?");
    prepare(
        "claimRunId",
        "INSERT INTO KS.run_by_id (project, schema_name, id, started_at) VALUES (?, ?, ?, ?)"
            + " IF NOT EXISTS");
    prepare(
        "runStartedAt",
        "SELECT started_at FROM KS.run_by_id WHERE project = ? AND schema_name = ? AND id = ?");
    prepare(
        "addRunPartition",
        "INSERT INTO KS.run_partition (project, bucket, schema_name) VALUES (?, ?, ?)");
    prepare(
        "insertRun",
        "INSERT INTO KS.run (bucket, "
            + RUN_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) IF NOT EXISTS");
    String setUpdatable =
        String.join(" = ?, ", RUN_UPDATABLE_COLUMNS.split(", ")) + " = ?, version = ?";
    prepare(
        "updateRun",
        "UPDATE KS.run SET "
            + setUpdatable
            + " WHERE project = ? AND schema_name = ? AND bucket = ? AND started_at = ? AND id = ?"
            + " IF version = ? AND type = ?");
    prepare(
        "run",
        "SELECT "
            + RUN_COLUMNS
            + " FROM KS.run WHERE project = ? AND schema_name = ? AND bucket = ? AND started_at = ?"
            + " AND id = ?");
    prepare(
        "runPartitions",
        "SELECT bucket, schema_name FROM KS.run_partition WHERE project = ? AND bucket <= ?");
    prepare(
        "runsInPartition",
        "SELECT "
            + RUN_COLUMNS
            + " FROM KS.run WHERE project = ? AND schema_name = ? AND bucket = ? LIMIT ?");
    prepare(
        "runsInPartitionAfter",
        "SELECT "
            + RUN_COLUMNS
            + " FROM KS.run WHERE project = ? AND schema_name = ? AND bucket = ?"
            + " AND (started_at, id) <= (?, ?) LIMIT ?");
    prepare(
        "manifest",
        "SELECT project, git_commit, location, updated_at, version FROM KS.manifest_pointer"
            + " WHERE project = ?");
    prepare(
        "insertManifest",
        "INSERT INTO KS.manifest_pointer (project, git_commit, location, updated_at, version)"
            + " VALUES (?, ?, ?, ?, 1) IF NOT EXISTS");
    prepare(
        "updateManifest",
        "UPDATE KS.manifest_pointer SET git_commit = ?, location = ?, updated_at = ?, version = ?"
            + " WHERE project = ? IF version = ?");
    prepare(
        "lease",
        "SELECT holder, expires_at FROM KS.schema_lease WHERE project = ? AND schema_name = ?");
    prepare(
        "insertLease",
        "INSERT INTO KS.schema_lease (project, schema_name, holder, expires_at) VALUES (?, ?, ?, ?)"
            + " IF NOT EXISTS USING TTL ?");
    prepare(
        "takeLease",
        "UPDATE KS.schema_lease USING TTL ? SET holder = ?, expires_at = ?"
            + " WHERE project = ? AND schema_name = ? IF holder = ? AND expires_at = ?");
    prepare(
        "renewLease",
        "UPDATE KS.schema_lease USING TTL ? SET holder = ?, expires_at = ?"
            + " WHERE project = ? AND schema_name = ? IF holder = ? AND expires_at > ?");
    prepare(
        "releaseLease",
        "DELETE FROM KS.schema_lease WHERE project = ? AND schema_name = ? IF holder = ?");
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
    Row row = read("read schema " + project + "/" + schema, bind("schema", project, schema)).one();
    return Optional.ofNullable(row).map(CassandraStateStore::schemaState);
  }

  @Override
  public List<SchemaState> schemas(String project) {
    List<SchemaState> result = new ArrayList<>();
    for (Row row : read("list schemas of " + project, bind("schemas", project))) {
      result.add(schemaState(row));
    }
    return List.copyOf(result);
  }

  @Override
  public List<String> projects() {
    List<String> result = new ArrayList<>();
    for (Row row : read("list projects", bind("projects"))) {
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
            ? bind(
                "insertSchema",
                next.project(),
                next.schema(),
                next.liveCommit(),
                millis(next.lastRefresh()),
                millis(next.lastFullRefresh()),
                millis(next.lastSnapshot()))
            : bind(
                "updateSchema",
                next.liveCommit(),
                millis(next.lastRefresh()),
                millis(next.lastFullRefresh()),
                millis(next.lastSnapshot()),
                expectedVersion + 1,
                next.project(),
                next.schema(),
                expectedVersion);
    return execute(operation, statement).wasApplied();
  }

  // --- runs ---

  @Override
  public boolean insertRun(RunRecord run) {
    String operation = "insert run " + runKey(run);
    Instant startedAt = millis(run.startedAt());
    ResultSet claim =
        execute(operation, bind("claimRunId", run.project(), run.schema(), run.id(), startedAt));
    // A claim left by an insert that stopped before writing the run row is completed by the next
    // insert of the same run; the run row's own IF NOT EXISTS decides which insert wins.
    if (!claim.wasApplied() && !startedAt.equals(claim.one().getInstant("started_at"))) {
      return false;
    }
    int bucket = bucketOf(startedAt);
    execute(
        operation,
        bind("addRunPartition", run.project(), bucket, run.schema()).setIdempotent(true));
    List<Object> values =
        new ArrayList<>(
            Arrays.asList(
                bucket, run.project(), run.schema(), run.id(), run.type().name(), startedAt));
    values.addAll(runUpdateValues(run));
    return execute(operation, bind("insertRun", values.toArray())).wasApplied();
  }

  private static List<Object> runUpdateValues(RunRecord run) {
    RunCounts counts = run.counts();
    return Arrays.asList(
        run.status().name(),
        millis(run.endedAt()),
        counts.modelsTotal(),
        counts.modelsSucceeded(),
        counts.modelsFailed(),
        counts.modelsSkipped(),
        counts.testsPassed(),
        counts.testsFailed(),
        run.logLocation(),
        run.lastCompletedStep(),
        run.message());
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
    if (!startedAt.equals(millis(next.startedAt()))) {
      Optional<RunRecord> stored = readRun(operation, next.project(), next.schema(), next.id());
      if (stored.isPresent() && stored.get().version() == expectedVersion) {
        throw immutableFieldChanged(stored.get(), next);
      }
      return false;
    }
    List<Object> values = new ArrayList<>(runUpdateValues(next));
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
    ResultSet result = execute(operation, bind("updateRun", values.toArray()));
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
        read(
                operation,
                bind("run", project, schema, bucketOf(startedAt.get()), startedAt.get(), id))
            .one();
    return Optional.ofNullable(row).map(CassandraStateStore::runRecord);
  }

  private Optional<Instant> startedAt(String operation, String project, String schema, String id) {
    Row row = read(operation, bind("runStartedAt", project, schema, id)).one();
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
    for (Row row : read(operation, bind("runPartitions", project, newestBucket))) {
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
            ? bind(
                "runsInPartitionAfter",
                project,
                schema,
                bucket,
                Instant.ofEpochMilli(after.startedAtMillis()),
                after.id(),
                wanted + 1)
            : bind("runsInPartition", project, schema, bucket, wanted);
    List<RunRecord> runs = new ArrayList<>();
    for (Row row : read(operation, statement)) {
      RunRecord run = runRecord(row);
      if (after == null || after.isBefore(run)) {
        runs.add(run);
      }
    }
    return runs;
  }

  // --- manifest pointer ---

  @Override
  public Optional<ManifestPointer> manifest(String project) {
    Row row = read("read manifest pointer of " + project, bind("manifest", project)).one();
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
            ? bind(
                "insertManifest",
                next.project(),
                next.commit(),
                next.location(),
                millis(next.updatedAt()))
            : bind(
                "updateManifest",
                next.commit(),
                next.location(),
                millis(next.updatedAt()),
                expectedVersion + 1,
                next.project(),
                expectedVersion);
    return execute("write manifest pointer of " + next.project(), statement).wasApplied();
  }

  // --- leases ---

  @Override
  public Optional<Lease> tryAcquireLease(
      String project, String schema, String holder, Duration ttl) {
    requirePositive(ttl);
    String operation = "acquire lease of " + project + "/" + schema + " for " + holder;
    Instant now = clock.instant();
    Lease lease = new Lease(project, schema, holder, millis(now.plus(ttl)));
    int rowTtl = leaseRowTtlSeconds(ttl);
    // Compare-and-set against the lease as last seen: a transaction cannot say "free, expired or
    // mine" in one condition, so the decision is made here and the condition pins what it saw.
    Row seen = read(operation, bind("lease", project, schema)).one();
    for (int attempt = 0; attempt < LEASE_ATTEMPTS; attempt++) {
      String seenHolder = stringOrNull(seen, "holder");
      if (seenHolder != null
          && !seenHolder.equals(holder)
          && seen.getInstant("expires_at").isAfter(now)) {
        return Optional.empty();
      }
      ResultSet result =
          seenHolder == null
              ? execute(
                  operation,
                  bind("insertLease", project, schema, holder, lease.expiresAt(), rowTtl))
              : execute(
                  operation,
                  bind(
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
    return execute(
            "renew lease of " + lease.project() + "/" + lease.schema() + " for " + lease.holder(),
            bind(
                "renewLease",
                leaseRowTtlSeconds(ttl),
                lease.holder(),
                millis(now.plus(ttl)),
                lease.project(),
                lease.schema(),
                lease.holder(),
                now))
        .wasApplied();
  }

  @Override
  public void releaseLease(Lease lease) {
    execute(
        "release lease of " + lease.project() + "/" + lease.schema() + " for " + lease.holder(),
        bind("releaseLease", lease.project(), lease.schema(), lease.holder()));
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
    if (closed) {
      return;
    }
    closed = true;
    session.close();
  }

  // --- plumbing ---

  private String table(String name) {
    return keyspace + "." + name;
  }

  private void prepare(String name, String cql) {
    // Tables are named KS.table in the statements and qualified here, so that the session needs no
    // keyspace of its own (the keyspace may not exist yet when it connects).
    String qualified = cql.replace("KS.", keyspace + ".");
    prepared.put(name, execute("prepare statements", () -> session.prepare(qualified)));
  }

  private BoundStatement bind(String name, Object... values) {
    return prepared.get(name).bind(values);
  }

  private ResultSet read(String operation, BoundStatement statement) {
    return execute(operation, statement.setIdempotent(true));
  }

  private void ddl(String cql) {
    execute("create tables", SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
  }

  private ResultSet execute(String operation, Statement<?> statement) {
    return execute(operation, () -> session.execute(statement));
  }

  private interface DriverWork<T> {
    T run();
  }

  private <T> T execute(String operation, DriverWork<T> work) {
    if (closed) {
      throw new IllegalStateException(
          "state store " + location + " is closed; cannot " + operation);
    }
    try {
      return work.run();
    } catch (AllNodesFailedException e) {
      throw new StateStoreException(
          "state store " + location + ": " + operation + " failed: unreachable: " + e.getMessage(),
          e);
    } catch (DriverException e) {
      throw new StateStoreException(
          "state store " + location + ": " + operation + " failed: " + e.getMessage(), e);
    }
  }

  private static SchemaState schemaState(Row row) {
    return new SchemaState(
        row.getString("project"),
        row.getString("schema_name"),
        row.getString("live_commit"),
        row.getInstant("last_refresh"),
        row.getInstant("last_full_refresh"),
        row.getInstant("last_snapshot"),
        row.getLong("version"));
  }

  private static RunRecord runRecord(Row row) {
    return new RunRecord(
        row.getString("id"),
        row.getString("project"),
        row.getString("schema_name"),
        RunType.valueOf(row.getString("type")),
        RunStatus.valueOf(row.getString("status")),
        row.getInstant("started_at"),
        row.getInstant("ended_at"),
        new RunCounts(
            row.getInt("models_total"),
            row.getInt("models_succeeded"),
            row.getInt("models_failed"),
            row.getInt("models_skipped"),
            row.getInt("tests_passed"),
            row.getInt("tests_failed")),
        row.getString("log_location"),
        row.getString("last_completed_step"),
        row.getString("message"),
        row.getLong("version"));
  }

  private static Instant millis(Instant instant) {
    return instant == null ? null : Instant.ofEpochMilli(instant.toEpochMilli());
  }

  private static String runKey(RunRecord run) {
    return run.project() + "/" + run.schema() + "/" + run.id();
  }
}
