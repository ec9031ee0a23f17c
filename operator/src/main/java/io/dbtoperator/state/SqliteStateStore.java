package io.dbtoperator.state;

import static io.dbtoperator.state.SqliteLayout.instant;
import static io.dbtoperator.state.SqliteLayout.setMillis;
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
    return withConnection("insert run " + SqliteRuns.key(run), c -> SqliteRuns.insert(c, run));
  }

  @Override
  public boolean compareAndSetRun(long expectedVersion, RunRecord next) {
    requireVersion(expectedVersion);
    if (expectedVersion == 0) {
      return insertRun(next);
    }
    return withConnection(
        "update run " + SqliteRuns.key(next), c -> SqliteRuns.update(c, expectedVersion, next));
  }

  @Override
  public Optional<RunRecord> run(String project, String schema, String id) {
    return withConnection(
        "read run " + project + "/" + schema + "/" + id,
        c -> SqliteRuns.read(c, project, schema, id));
  }

  @Override
  public RunPage runs(String project, String schema, String pageToken, int limit) {
    requirePageLimit(limit);
    RunCursor after = pageToken == null ? null : RunCursor.decode(pageToken);
    return withConnection(
        "list runs of " + project + (schema == null ? "" : "/" + schema),
        c -> SqliteRuns.page(c, project, schema, after, limit));
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

  private static Instant truncate(Instant instant) {
    return Instant.ofEpochMilli(instant.toEpochMilli());
  }
}
