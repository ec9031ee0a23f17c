package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.run.PostgresHarness;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The clone step on a real PostgreSQL: the tables a run keeps are copied at the same time, on
 * separate sessions, and staging ends up with exactly live's rows; one failing copy fails the step
 * naming its table while the others are still made.
 */
class PostgresCloneIT {
  /** Large enough that each copy takes a good part of a second, so that overlaps are seen. */
  private static final int ROWS = 200_000;

  private static final List<String> KEPT = List.of("events", "orders", "payments", "snapshot_x");

  private PostgresSettings settings;
  private PostgresWarehouse warehouse;
  private final StagingSchema staging = new StagingSchema("shop", "marts", "run-1");

  @BeforeEach
  void setUp() throws SQLException {
    settings = PostgresHarness.newDatabase("clone");
    warehouse = new PostgresWarehouse(settings, "shop", Clock.systemUTC(), notice -> {});
    List<String> statements = new ArrayList<>(List.of("create schema marts"));
    int seed = 0;
    for (String table : KEPT) {
      seed++;
      statements.add(
          "create table marts."
              + table
              + " as select g as id, md5((g * "
              + seed
              + ")::text) as payload from generate_series(1, "
              + ROWS
              + ") g");
    }
    statements.add("create table marts.rebuilt as select 1 as id");
    statements.add("create view marts.recent as select * from marts.orders where id > 10");
    sql(statements.toArray(String[]::new));
    warehouse.createStaging(staging);
  }

  @AfterEach
  void tearDown() {
    warehouse.close();
  }

  @Test
  void keptTablesAreCopiedConcurrentlyAndExactly() throws Exception {
    AtomicBoolean cloning = new AtomicBoolean(true);
    AtomicInteger mostAtOnce = new AtomicInteger();
    Thread watcher =
        new Thread(
            () -> {
              try (Connection c = connect();
                  Statement s = c.createStatement()) {
                while (cloning.get()) {
                  try (ResultSet rows =
                      s.executeQuery(
                          "select count(*) from pg_stat_activity where datname ="
                              + " current_database() and state = 'active'"
                              + " and query like 'create table %'")) {
                    rows.next();
                    mostAtOnce.accumulateAndGet(rows.getInt(1), Math::max);
                  }
                  Thread.sleep(5);
                }
              } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    watcher.start();
    List<String> keep = new ArrayList<>(KEPT);
    keep.add("not_yet_built");
    keep.add("recent");
    try {
      warehouse.cloneLive(staging, keep, false);
    } finally {
      cloning.set(false);
      watcher.join();
    }

    assertThat(mostAtOnce.get())
        .as("copies running at the same moment")
        .isGreaterThanOrEqualTo(2)
        .isLessThanOrEqualTo(ConcurrentClones.SESSIONS);
    assertThat(relations(staging.name())).containsExactlyElementsOf(KEPT);
    for (String table : KEPT) {
      assertSameRows("marts." + table, staging.name() + "." + table);
    }
  }

  @Test
  void aFailingCopyFailsTheStepNamingItAndTheOthersAreStillMade() throws SQLException {
    // A view already under one table's name: dropping it as a table fails.
    sql("create view " + staging.name() + ".payments as select 1 as id");

    assertThatThrownBy(() -> warehouse.cloneLive(staging, KEPT, false))
        .isInstanceOf(WarehouseException.class)
        .hasMessageStartingWith("clone marts into " + staging.name() + " failed for payments: ")
        .hasMessageContaining("\"payments\" is not a table")
        .message()
        .doesNotContain("events:", "orders:", "snapshot_x:");
    for (String table : List.of("events", "orders", "snapshot_x")) {
      assertSameRows("marts." + table, staging.name() + "." + table);
    }

    // The step repeated after the cause is gone converges.
    sql("drop view " + staging.name() + ".payments");
    warehouse.cloneLive(staging, KEPT, false);
    for (String table : KEPT) {
      assertSameRows("marts." + table, staging.name() + "." + table);
    }
  }

  @Test
  void aFirstDeployHasNothingToCopy() throws SQLException {
    StagingSchema first = new StagingSchema("shop", "new_schema", "run-1");
    warehouse.createStaging(first);
    warehouse.cloneLive(first, KEPT, false);
    assertThat(relations(first.name())).isEmpty();
  }

  private void assertSameRows(String expected, String actual) {
    String[] parts = actual.split("\\.");
    String quotedActual = "\"" + parts[0] + "\"." + parts[1];
    assertThat(count("select count(*) from " + quotedActual)).as(actual).isEqualTo(ROWS);
    assertThat(
            count(
                "select count(*) from ((table "
                    + expected
                    + " except table "
                    + quotedActual
                    + ") union all (table "
                    + quotedActual
                    + " except table "
                    + expected
                    + ")) d"))
        .as("rows of " + actual + " that differ from " + expected)
        .isZero();
  }

  private List<String> relations(String schema) {
    return PostgresHarness.rows(
        settings,
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname = '"
            + schema
            + "' and c.relkind in ('r', 'v') order by 1");
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
  }

  private void sql(String... statements) {
    for (String statement : statements) {
      PostgresHarness.execute(settings, statement);
    }
  }

  private long count(String query) {
    return Long.parseLong(PostgresHarness.rows(settings, query).get(0));
  }
}
