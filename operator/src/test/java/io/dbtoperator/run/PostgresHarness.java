package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.warehouse.PostgresSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL for all integration tests of a JVM, with a fresh database per test, and
 * the dbt of the project's virtualenv.
 */
public final class PostgresHarness {
  private static EmbeddedPostgres postgres;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private PostgresHarness() {}

  public static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
      EmbeddedPostgres started = postgres;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  }));
      superuser("create role reporter login password 'reporter'");
      superuser("create role analyst login password 'analyst'");
      superuser("create role dbt login password 'dbt-secret' createrole");
    }
    return postgres;
  }

  /** A new database owned by the dbt role, for one test. */
  public static PostgresSettings newDatabase(String prefix) {
    String name = prefix + "_" + DATABASES.incrementAndGet();
    superuser("create database " + name + " owner dbt");
    return new PostgresSettings("localhost", postgres().getPort(), name, "dbt", "dbt-secret", null);
  }

  public static void superuser(String sql) {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + postgres().getPort() + "/postgres",
                "postgres",
                "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  static Connection connect(PostgresSettings settings, String user, String password)
      throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + settings.port() + "/" + settings.database(),
        user,
        password);
  }

  /** Rows of a query as the dbt role sees them, each row as its columns joined by "|". */
  public static List<String> rows(PostgresSettings settings, String sql) {
    try (Connection c = connect(settings, settings.user(), settings.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          if (i > 1) {
            row.append('|');
          }
          row.append(rs.getString(i));
        }
        rows.add(row.toString());
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public static void execute(PostgresSettings settings, String sql) {
    try (Connection c = connect(settings, settings.user(), settings.password());
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("requirements-dbt.lock"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("repository root holding requirements-dbt.lock").isNotNull();
    return dir;
  }

  public static Path dbt() {
    Path dbt = repositoryRoot().resolve(".venv/bin/dbt");
    assertThat(dbt).as("dbt from the virtualenv; run scripts/setup.sh first").isExecutable();
    return dbt;
  }
}
