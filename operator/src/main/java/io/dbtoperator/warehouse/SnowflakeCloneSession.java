package io.dbtoperator.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the connections that clone tables into a staging schema at once. Each statement carries
 * the run's QUERY_TAG; a clone that fails with a transient error is repeated on a new connection,
 * as {@link SnowflakeWarehouse} repeats its operations (a clone replaces its target, so repeating
 * it is safe).
 */
final class SnowflakeCloneSession implements ConcurrentClones.Session {
  private static final Logger LOG = LoggerFactory.getLogger(SnowflakeCloneSession.class);

  private final SnowflakeSettings settings;
  private final SnowflakeSql sql;
  private final StagingSchema staging;
  private final String queryTag;
  private Connection connection;

  private SnowflakeCloneSession(
      SnowflakeSettings settings, SnowflakeSql sql, StagingSchema staging, String queryTag) {
    this.settings = settings;
    this.sql = sql;
    this.staging = staging;
    this.queryTag = queryTag;
  }

  static SnowflakeCloneSession open(
      SnowflakeSettings settings, SnowflakeSql sql, StagingSchema staging, String queryTag)
      throws SQLException {
    SnowflakeCloneSession session = new SnowflakeCloneSession(settings, sql, staging, queryTag);
    session.connect();
    return session;
  }

  @Override
  public void clone(String table) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        if (connection == null) {
          connect();
        }
        execute(sql.cloneTable(staging.name(), staging.live(), table));
        return;
      } catch (SQLException e) {
        if (!SnowflakeWarehouse.isTransient(e) || attempt == SnowflakeWarehouse.ATTEMPTS) {
          throw e;
        }
        LOG.warn("clone {}: attempt {} failed ({}), retrying", table, attempt, e.getMessage());
        close();
      }
    }
  }

  @Override
  public void close() {
    if (connection != null) {
      SnowflakeConnections.closeLogged(connection);
      connection = null;
    }
  }

  private void connect() throws SQLException {
    connection = SnowflakeConnections.open(settings);
    if (queryTag != null) {
      execute(queryTag);
    }
  }

  private void execute(String statementText) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(statementText);
    }
  }
}
