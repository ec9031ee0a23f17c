package io.dbtoperator.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The SQLite store's file layout: WAL journaling, the tables, and the version row. */
final class SqliteLayout {

  static final int VERSION = 1;

  private static final Duration WAL_SWITCH_PAUSE = Duration.ofMillis(25);

  private static final List<String> CREATE_TABLES =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS schema_state (
            project TEXT NOT NULL,
            schema_name TEXT NOT NULL,
            live_commit TEXT,
            last_refresh_ms INTEGER,
            last_full_refresh_ms INTEGER,
            last_snapshot_ms INTEGER,
            version INTEGER NOT NULL,
            PRIMARY KEY (project, schema_name))
          """,
          """
          CREATE TABLE IF NOT EXISTS run (
            project TEXT NOT NULL,
            schema_name TEXT NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at_ms INTEGER NOT NULL,
            ended_at_ms INTEGER,
            models_total INTEGER NOT NULL,
            models_succeeded INTEGER NOT NULL,
            models_failed INTEGER NOT NULL,
            models_skipped INTEGER NOT NULL,
            tests_passed INTEGER NOT NULL,
            tests_failed INTEGER NOT NULL,
            log_location TEXT,
            last_completed_step TEXT,
            message TEXT,
            version INTEGER NOT NULL,
            PRIMARY KEY (project, schema_name, id))
          """,
          "CREATE INDEX IF NOT EXISTS run_by_project_newest"
              + " ON run (project, started_at_ms, id, schema_name)",
          "CREATE INDEX IF NOT EXISTS run_by_schema_newest"
              + " ON run (project, schema_name, started_at_ms, id)",
          """
          CREATE TABLE IF NOT EXISTS manifest_pointer (
            project TEXT NOT NULL PRIMARY KEY,
            git_commit TEXT NOT NULL,
            location TEXT NOT NULL,
            updated_at_ms INTEGER NOT NULL,
            version INTEGER NOT NULL)
          """,
          """
          CREATE TABLE IF NOT EXISTS schema_lease (
            project TEXT NOT NULL,
            schema_name TEXT NOT NULL,
            holder TEXT NOT NULL,
            expires_at_ms INTEGER NOT NULL,
            PRIMARY KEY (project, schema_name))
          """);

  private SqliteLayout() {}

  /** Switches the file to WAL and creates or checks the tables, in one transaction. */
  static void prepare(Connection c, String location, Duration busyTimeout) throws SQLException {
    switchToWriteAheadLog(c, location, busyTimeout);
    c.setAutoCommit(false);
    try {
      migrate(c, location);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * SQLite answers BUSY to a journal-mode change at once, without its busy handler, while another
   * process is creating the same file; so the switch is retried here for the busy timeout.
   */
  private static void switchToWriteAheadLog(Connection c, String location, Duration busyTimeout)
      throws SQLException {
    long deadline = System.nanoTime() + busyTimeout.toNanos();
    while (true) {
      try (Statement statement = c.createStatement();
          ResultSet rs = statement.executeQuery("PRAGMA journal_mode = WAL")) {
        String mode = rs.next() ? rs.getString(1) : null;
        if (!"wal".equalsIgnoreCase(mode)) {
          throw new StateStoreException(
              "state store "
                  + location
                  + ": open failed: cannot switch to WAL journal mode (got "
                  + mode
                  + "); is the file on a network file system?");
        }
        return;
      } catch (SQLiteException e) {
        if (!isBusy(e) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      pause();
    }
  }

  private static boolean isBusy(SQLiteException e) {
    return (e.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code;
  }

  private static void pause() throws SQLException {
    try {
      Thread.sleep(WAL_SWITCH_PAUSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException(
          "interrupted while waiting for another process to create the store", e);
    }
  }

  private static void migrate(Connection c, String location) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS schema_version ("
              + "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
      Integer stored = null;
      try (ResultSet rs = statement.executeQuery("SELECT version FROM schema_version")) {
        if (rs.next()) {
          stored = rs.getInt(1);
        }
      }
      if (stored != null && stored > VERSION) {
        throw new StateStoreException(
            "state store "
                + location
                + ": open failed: the store has schema version "
                + stored
                + " but this build of dbt-operator knows versions up to "
                + VERSION
                + "; upgrade dbt-operator to use this store");
      }
      // Version 1 is the first layout; steps from older versions will go here, before the DDL.
      for (String ddl : CREATE_TABLES) {
        statement.execute(ddl);
      }
      if (stored == null) {
        statement.execute("INSERT INTO schema_version (id, version) VALUES (1, " + VERSION + ")");
      }
    }
  }

  /** An instant column (epoch milliseconds), or null. */
  static Instant instant(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  static void setMillis(PreparedStatement ps, int index, Instant instant) throws SQLException {
    if (instant == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setLong(index, instant.toEpochMilli());
    }
  }
}
