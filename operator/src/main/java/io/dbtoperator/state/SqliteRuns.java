package io.dbtoperator.state;

import static io.dbtoperator.state.SqliteLayout.instant;
import static io.dbtoperator.state.SqliteLayout.setMillis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The run table of {@link SqliteStateStore}: each method is the statements of one store operation,
 * run on the connection the store lends it under its lock.
 */
final class SqliteRuns {
  private static final String RUN_COLUMNS =
      "project, schema_name, id, type, status, started_at_ms, ended_at_ms, models_total,"
          + " models_succeeded, models_failed, models_skipped, tests_passed, tests_failed,"
          + " log_location, last_completed_step, message, version";

  private SqliteRuns() {}

  /** Inserts {@code run} at version 1; false when a run of that key exists. */
  static boolean insert(Connection c, RunRecord run) throws SQLException {
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
  }

  /** Updates the run stored at {@code expectedVersion}; false when it is at another version. */
  static boolean update(Connection c, long expectedVersion, RunRecord next) throws SQLException {
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
    Optional<RunRecord> stored = read(c, next.project(), next.schema(), next.id());
    if (stored.isPresent()
        && stored.get().version() == expectedVersion
        && (stored.get().type() != next.type()
            || stored.get().startedAt().toEpochMilli() != next.startedAt().toEpochMilli())) {
      throw new IllegalArgumentException(
          "run "
              + key(next)
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
  }

  static Optional<RunRecord> read(Connection c, String project, String schema, String id)
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
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    }
  }

  /** A page of runs, newest first, after {@code after} when given. */
  static RunPage page(Connection c, String project, String schema, RunCursor after, int limit)
      throws SQLException {
    StringBuilder sql =
        new StringBuilder("SELECT ").append(RUN_COLUMNS).append(" FROM run WHERE project = ?");
    if (schema != null) {
      sql.append(" AND schema_name = ?");
    }
    if (after != null) {
      sql.append(" AND (started_at_ms, id, schema_name) < (?, ?, ?)");
    }
    sql.append(" ORDER BY started_at_ms DESC, id DESC, schema_name DESC LIMIT ?");
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
          runs.add(row(rs));
        }
      }
      if (runs.size() <= limit) {
        return new RunPage(runs, null);
      }
      List<RunRecord> page = runs.subList(0, limit);
      return new RunPage(page, RunCursor.of(page.get(limit - 1)).encode());
    }
  }

  private static RunRecord row(ResultSet rs) throws SQLException {
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

  static String key(RunRecord run) {
    return run.project() + "/" + run.schema() + "/" + run.id();
  }
}
