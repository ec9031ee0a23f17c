package io.dbtoperator.warehouse;

import io.dbtoperator.api.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The warehouse's one connection to PostgreSQL, shared by {@link PostgresWarehouse}, {@link
 * PostgresSwap} and {@link PostgresGrants}: statements that fail become a {@link
 * WarehouseException} naming what was being done, and names are quoted only once checked.
 */
final class PostgresSession implements AutoCloseable {
  private static final Pattern IDENTIFIER = Pattern.compile(Identifiers.IDENTIFIER);

  private final Connection connection;
  private final Clock clock;

  PostgresSession(Connection connection, Clock clock) {
    this.connection = connection;
    this.clock = clock;
  }

  /** For work that manages its own transaction and savepoints (the swap). */
  Connection connection() {
    return connection;
  }

  /** Now, to the millisecond: what a schema comment keeps. */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  boolean schemaExists(String schema) {
    return query(
        "look up schema " + schema,
        "select 1 from pg_namespace where nspname = ?",
        List.of(schema),
        ResultSet::next);
  }

  Optional<SchemaTag> tag(String schema) {
    return query(
        "read the tag of " + schema,
        "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = ?",
        List.of(schema),
        rows -> rows.next() ? SchemaTag.parse(rows.getString(1)) : Optional.<SchemaTag>empty());
  }

  static String comment(String schema, SchemaTag tag) {
    return "comment on schema "
        + quote(schema)
        + " is '"
        + tag.toComment().replace("'", "''")
        + "'";
  }

  /** Quotes a schema or relation name after checking it is an identifier dbt can generate. */
  static String quote(String identifier) {
    if (identifier == null || !IDENTIFIER.matcher(identifier).matches()) {
      throw new WarehouseException("not a valid identifier: \"" + identifier + "\"");
    }
    return "\"" + identifier + "\"";
  }

  static String role(String role) {
    if (!IDENTIFIER.matcher(role).matches()) {
      throw new WarehouseException("grants: not a valid role name: \"" + role + "\"");
    }
    return "\"" + role.toLowerCase(Locale.ROOT) + "\"";
  }

  static List<String> firstColumn(ResultSet rows) throws SQLException {
    List<String> values = new ArrayList<>();
    while (rows.next()) {
      values.add(rows.getString(1));
    }
    return values;
  }

  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet rows) throws SQLException;
  }

  @FunctionalInterface
  interface StatementWork {
    void run(Statement statement) throws SQLException;
  }

  @FunctionalInterface
  interface TransactionWork<T> {
    T run(Statement statement) throws SQLException;
  }

  <T> T query(String what, String sql, List<String> parameters, RowReader<T> reader) {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.size(); i++) {
        statement.setString(i + 1, parameters.get(i));
      }
      try (ResultSet rows = statement.executeQuery()) {
        return reader.read(rows);
      }
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  void execute(String what, String sql) {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  void inTransaction(String what, StatementWork work) {
    inTransactionReturning(
        what,
        statement -> {
          work.run(statement);
          return null;
        });
  }

  /**
   * Runs {@code work} in one transaction, committed when it returns, rolled back when it throws.
   */
  <T> T inTransactionReturning(String what, TransactionWork<T> work) {
    try {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        T result = work.run(statement);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new WarehouseException("closing the connection: " + e.getMessage(), e);
    }
  }
}
