package io.dbtoperator.state;

import static io.dbtoperator.state.StoreArguments.requirePageLimit;
import static io.dbtoperator.state.StoreArguments.requirePositive;
import static io.dbtoperator.state.StoreArguments.requireVersion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * Embedded state store in one SQLite file. WAL journaling and a busy timeout let several processes
 * (CLI and operator) share the file; each write is one conditional statement, so concurrent writers
 * are serialized by SQLite and losers see a failed compare-and-set.
 *
 * <p>One JDBC connection per instance, used under the instance lock: a SQLite connection must not
 * run statements from several threads at once.
 */
public final class SqliteStateStore implements StateStore {

  /** Version of the table layout written by this build; bump it together with a migration. */
  public static final int SCHEMA_VERSION = SqliteLayout.VERSION;

  public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);

  private static final String SCHEMA_COLUMNS =
      "project, schema_name, live_commit, last_refresh_ms, last_full_refresh_ms, last_snapshot_ms,"
          + " version";

  private static final String RUN_COLUMNS =
      "project, schema_name, id, type, status, started_at_ms, ended_at_ms, models_total,"
          + " models_succeeded, models_failed, models_skipped, tests_passed, tests_failed,"
          + " log_location, last_completed_step, message, version";

  private final Path file;
  private final Clock clock;
  private final Connection connection;
  private boolean closed;

  private SqliteStateStore(Path file, Clock clock, Connection connection) {
    this.file = file;
    this.clock = clock;
    this.connection = connection;
  }

  public static SqliteStateStore open(Path file, Clock clock) {
    return open(file, clock, DEFAULT_BUSY_TIMEOUT);
  }

  /**
   * Opens or creates the store file and its parent directories.
   *
   * @param busyTimeout how long a statement waits for another process's lock before failing
   */
  public static SqliteStateStore open(Path file, Clock clock, Duration busyTimeout) {
    Path absolute = file.toAbsolutePath();
    try {
      Path parent = absolute.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new StateStoreException(
          "state store sqlite:" + absolute + ": open failed: cannot create directory: " + e, e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(Math.toIntExact(busyTimeout.toMillis()));
    // Transactions take the write lock up front, so two processes creating a new store serialize.
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    Connection connection;
    try {
      connection = config.createConnection("jdbc:sqlite:" + absolute);
    } catch (SQLException e) {
      throw new StateStoreException(
          "state store sqlite:" + absolute + ": open failed: " + e.getMessage(), e);
    }
    SqliteStateStore store = new SqliteStateStore(absolute, clock, connection);
    try {
      store.initialize(busyTimeout);
    } catch (RuntimeException e) {
      store.closeQuietlyAfter(e);
      throw e;
    }
    return store;
  }

  private void initialize(Duration busyTimeout) {
    withConnection(
        "open",
        c -> {
          SqliteLayout.prepare(c, location(), busyTimeout);
          return null;
        });
  }

  /** The location string of this store, as {@link StateLocation} parses it. */
  public String location() {
    return "sqlite:" + file;
  }

  @Override
  public Optional<SchemaState> schema(String project, String schema) {
    return withConnection(
        "read schema " + project + "/" + schema,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + SCHEMA_COLUMNS
                      + " FROM schema_state WHERE project = ? AND schema_name = ?")) {
            ps.setString(1, project);
            ps.setString(2, schema);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(readSchema(rs)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<SchemaState> schemas(String project) {
    return withConnection(
        "list schemas of " + project,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + SCHEMA_COLUMNS
                      + " FROM schema_state WHERE project = ? ORDER BY schema_name")) {
            ps.setString(1, project);
            List<SchemaState> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                result.add(readSchema(rs));
              }
            }
            return List.copyOf(result);
          }
        });
  }

  @Override
  public List<String> projects() {
    return withConnection(
        "list projects",
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement("SELECT DISTINCT project FROM schema_state ORDER BY project");
              ResultSet rs = ps.executeQuery()) {
            List<String> result = new ArrayList<>();
            while (rs.next()) {
              result.add(rs.getString(1));
            }
            return List.copyOf(result);
          }
        });
  }

  @Override
  public boolean compareAndSet(long expectedVersion, SchemaState next) {
    requireVersion(expectedVersion);
    String sql =
        expectedVersion == 0
            ? "INSERT INTO schema_state (live_commit, last_refresh_ms, last_full_refresh_ms,"
                + " last_snapshot_ms, version, project, schema_name) VALUES (?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING"
            : "UPDATE schema_state SET live_commit = ?, last_refresh_ms = ?,"
                + " last_full_refresh_ms = ?, last_snapshot_ms = ?, version = ?"
                + " WHERE project = ? AND schema_name = ? AND version = ?";
    return withConnection(
        "write schema " + next.project() + "/" + next.schema(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, next.liveCommit());
            setMillis(ps, 2, next.lastRefresh());
            setMillis(ps, 3, next.lastFullRefresh());
            setMillis(ps, 4, next.lastSnapshot());
            ps.setLong(5, expectedVersion + 1);
            ps.setString(6, next.project());
            ps.setString(7, next.schema());
            if (expectedVersion != 0) {
              ps.setLong(8, expectedVersion);
            }
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public boolean insertRun(RunRecord run) {
    return withConnection(
        "insert run " + runKey(run),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO run ("
                      + RUN_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT DO NOTHING")) {
            ps.setString(1, run.project());
            ps.setString(2, run.schema());
            ps.setString(3, run.id());
            ps.setString(4, run.type().name());
            ps.setString(5, run.status().name());
            setMillis(ps, 6, run.startedAt());
            setMillis(ps, 7, run.endedAt());
            RunCounts counts = run.counts();
            ps.setInt(8, counts.modelsTotal());
            ps.setInt(9, counts.modelsSucceeded());
            ps.setInt(10, counts.modelsFailed());
            ps.setInt(11, counts.modelsSkipped());
            ps.setInt(12, counts.testsPassed());
            ps.setInt(13, counts.testsFailed());
            ps.setString(14, run.logLocation());
            ps.setString(15, run.lastCompletedStep());
            ps.setString(16, run.message());
            ps.setLong(17, 1);
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public boolean compareAndSetRun(long expectedVersion, RunRecord next) {
    requireVersion(expectedVersion);
    if (expectedVersion == 0) {
      return insertRun(next);
    }
    return withConnection(
        "update run " + runKey(next),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE run SET status = ?, ended_at_ms = ?, models_total = ?,"
                      + " models_succeeded = ?, models_failed = ?, models_skipped = ?,"
                      + " tests_passed = ?, tests_failed = ?, log_location = ?,"
                      + " last_completed_step = ?, message = ?, version = ?"
                      + " WHERE project = ? AND schema_name = ? AND id = ? AND version = ?"
                      + " AND type = ? AND started_at_ms = ?")) {
            ps.setString(1, next.status().name());
            setMillis(ps, 2, next.endedAt());
            RunCounts counts = next.counts();
            ps.setInt(3, counts.modelsTotal());
            ps.setInt(4, counts.modelsSucceeded());
            ps.setInt(5, counts.modelsFailed());
            ps.setInt(6, counts.modelsSkipped());
            ps.setInt(7, counts.testsPassed());
            ps.setInt(8, counts.testsFailed());
            ps.setString(9, next.logLocation());
            ps.setString(10, next.lastCompletedStep());
            ps.setString(11, next.message());
            ps.setLong(12, expectedVersion + 1);
            ps.setString(13, next.project());
            ps.setString(14, next.schema());
            ps.setString(15, next.id());
            ps.setLong(16, expectedVersion);
            ps.setString(17, next.type().name());
            setMillis(ps, 18, next.startedAt());
            if (ps.executeUpdate() == 1) {
              return true;
            }
          }
          // The update did not match; tell a changed immutable field apart from a lost race, so
          // that callers do not retry a write that can never succeed.
          Optional<RunRecord> stored = readRun(c, next.project(), next.schema(), next.id());
          if (stored.isPresent()
              && stored.get().version() == expectedVersion
              && (stored.get().type() != next.type()
                  || stored.get().startedAt().toEpochMilli() != next.startedAt().toEpochMilli())) {
            throw new IllegalArgumentException(
                "run "
                    + runKey(next)
                    + ": type and startedAt cannot change after insertion (stored "
                    + stored.get().type()
                    + " at "
                    + stored.get().startedAt()
                    + ", given "
                    + next.type()
                    + " at "
                    + next.startedAt()
                    + ")");
          }
          return false;
        });
  }

  @Override
  public Optional<RunRecord> run(String project, String schema, String id) {
    return withConnection(
        "read run " + project + "/" + schema + "/" + id, c -> readRun(c, project, schema, id));
  }

  private static Optional<RunRecord> readRun(Connection c, String project, String schema, String id)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + RUN_COLUMNS
                + " FROM run WHERE project = ? AND schema_name = ? AND id = ?")) {
      ps.setString(1, project);
      ps.setString(2, schema);
      ps.setString(3, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(readRun(rs)) : Optional.empty();
      }
    }
  }

  @Override
  public RunPage runs(String project, String schema, String pageToken, int limit) {
    requirePageLimit(limit);
    RunCursor after = pageToken == null ? null : RunCursor.decode(pageToken);
    StringBuilder sql =
        new StringBuilder("SELECT ").append(RUN_COLUMNS).append(" FROM run WHERE project = ?");
    if (schema != null) {
      sql.append(" AND schema_name = ?");
    }
    if (after != null) {
      sql.append(" AND (started_at_ms, id, schema_name) < (?, ?, ?)");
    }
    sql.append(" ORDER BY started_at_ms DESC, id DESC, schema_name DESC LIMIT ?");
    return withConnection(
        "list runs of " + project + (schema == null ? "" : "/" + schema),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int index = 1;
            ps.setString(index++, project);
            if (schema != null) {
              ps.setString(index++, schema);
            }
            if (after != null) {
              ps.setLong(index++, after.startedAtMillis());
              ps.setString(index++, after.id());
              ps.setString(index++, after.schema());
            }
            // One extra row tells whether another page follows, so the last page has no token.
            ps.setInt(index, limit + 1);
            List<RunRecord> runs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                runs.add(readRun(rs));
              }
            }
            if (runs.size() <= limit) {
              return new RunPage(runs, null);
            }
            List<RunRecord> page = runs.subList(0, limit);
            return new RunPage(page, RunCursor.of(page.get(limit - 1)).encode());
          }
        });
  }

  @Override
  public Optional<ManifestPointer> manifest(String project) {
    return withConnection(
        "read manifest pointer of " + project,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT project, git_commit, location, updated_at_ms, version"
                      + " FROM manifest_pointer WHERE project = ?")) {
            ps.setString(1, project);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new ManifestPointer(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      Instant.ofEpochMilli(rs.getLong(4)),
                      rs.getLong(5)));
            }
          }
        });
  }

  @Override
  public boolean compareAndSetManifest(long expectedVersion, ManifestPointer next) {
    requireVersion(expectedVersion);
    String sql =
        expectedVersion == 0
            ? "INSERT INTO manifest_pointer (git_commit, location, updated_at_ms, version, project)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
            : "UPDATE manifest_pointer SET git_commit = ?, location = ?, updated_at_ms = ?,"
                + " version = ? WHERE project = ? AND version = ?";
    return withConnection(
        "write manifest pointer of " + next.project(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, next.commit());
            ps.setString(2, next.location());
            setMillis(ps, 3, next.updatedAt());
            ps.setLong(4, expectedVersion + 1);
            ps.setString(5, next.project());
            if (expectedVersion != 0) {
              ps.setLong(6, expectedVersion);
            }
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Optional<Lease> tryAcquireLease(
      String project, String schema, String holder, Duration ttl) {
    requirePositive(ttl);
    Instant now = clock.instant();
    Lease lease = new Lease(project, schema, holder, truncate(now.plus(ttl)));
    return withConnection(
        "acquire lease of " + project + "/" + schema + " for " + holder,
        c -> {
          // One statement: insert a free lease, or take over an expired one or our own.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO schema_lease (project, schema_name, holder, expires_at_ms)"
                      + " VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT (project, schema_name) DO UPDATE"
                      + " SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms"
                      + " WHERE schema_lease.holder = excluded.holder"
                      + " OR schema_lease.expires_at_ms <= ?")) {
            ps.setString(1, project);
            ps.setString(2, schema);
            ps.setString(3, holder);
            setMillis(ps, 4, lease.expiresAt());
            setMillis(ps, 5, now);
            return ps.executeUpdate() == 1 ? Optional.of(lease) : Optional.empty();
          }
        });
  }

  @Override
  public boolean renewLease(Lease lease, Duration ttl) {
    requirePositive(ttl);
    Instant now = clock.instant();
    return withConnection(
        "renew lease of " + lease.project() + "/" + lease.schema() + " for " + lease.holder(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE schema_lease SET expires_at_ms = ?"
                      + " WHERE project = ? AND schema_name = ? AND holder = ?"
                      + " AND expires_at_ms > ?")) {
            setMillis(ps, 1, now.plus(ttl));
            ps.setString(2, lease.project());
            ps.setString(3, lease.schema());
            ps.setString(4, lease.holder());
            setMillis(ps, 5, now);
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public void releaseLease(Lease lease) {
    withConnection(
        "release lease of " + lease.project() + "/" + lease.schema() + " for " + lease.holder(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM schema_lease WHERE project = ? AND schema_name = ? AND holder = ?")) {
            ps.setString(1, lease.project());
            ps.setString(2, lease.schema());
            ps.setString(3, lease.holder());
            ps.executeUpdate();
            return null;
          }
        });
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      connection.close();
    } catch (SQLException e) {
      throw new StateStoreException(
          "state store " + location() + ": close failed: " + e.getMessage(), e);
    }
  }

  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  private synchronized <T> T withConnection(String operation, SqlWork<T> work) {
    if (closed) {
      throw new IllegalStateException(
          "state store " + location() + " is closed; cannot " + operation);
    }
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StateStoreException(
          "state store " + location() + ": " + operation + " failed: " + e.getMessage(), e);
    }
  }

  private void closeQuietlyAfter(RuntimeException failure) {
    try {
      close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static SchemaState readSchema(ResultSet rs) throws SQLException {
    return new SchemaState(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        instant(rs, 4),
        instant(rs, 5),
        instant(rs, 6),
        rs.getLong(7));
  }

  private static RunRecord readRun(ResultSet rs) throws SQLException {
    return new RunRecord(
        rs.getString(3),
        rs.getString(1),
        rs.getString(2),
        RunType.valueOf(rs.getString(4)),
        RunStatus.valueOf(rs.getString(5)),
        instant(rs, 6),
        instant(rs, 7),
        new RunCounts(
            rs.getInt(8), rs.getInt(9), rs.getInt(10), rs.getInt(11), rs.getInt(12), rs.getInt(13)),
        rs.getString(14),
        rs.getString(15),
        rs.getString(16),
        rs.getLong(17));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  private static void setMillis(PreparedStatement ps, int index, Instant instant)
      throws SQLException {
    if (instant == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setLong(index, instant.toEpochMilli());
    }
  }

  private static Instant truncate(Instant instant) {
    return Instant.ofEpochMilli(instant.toEpochMilli());
  }

  private static String runKey(RunRecord run) {
    return run.project() + "/" + run.schema() + "/" + run.id();
  }
}
