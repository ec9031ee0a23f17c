package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.run.PostgresHarness;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The drop of a deleted DbtSchema on a real PostgreSQL: views elsewhere keep the schema. */
class PostgresDropIT {
  private PostgresSettings settings;
  private PostgresWarehouse warehouse;

  @BeforeEach
  void setUp() throws SQLException {
    settings = PostgresHarness.newDatabase("drop");
    warehouse = new PostgresWarehouse(settings, "shop", Clock.systemUTC(), notice -> {});
    sql(
        "create schema marts",
        "create table marts.orders as select 1 as id",
        "create view marts.big_orders as select * from marts.orders",
        "create materialized view marts.order_counts as select count(*) as n from marts.orders",
        "create schema analytics",
        "create view analytics.x as select id from marts.big_orders",
        "create view analytics.y as select n from marts.order_counts",
        "create table analytics.kept as select 2 as id");
  }

  @AfterEach
  void tearDown() {
    warehouse.close();
  }

  @Test
  void viewsInOtherSchemasKeepTheSchema() throws SQLException {
    assertThat(warehouse.viewsReading("marts")).containsExactly("analytics.x", "analytics.y");
    assertThat(warehouse.viewsReading("analytics")).isEmpty();

    assertThat(warehouse.dropUnlessRead("marts")).containsExactly("analytics.x", "analytics.y");
    assertThat(warehouse.schemaExists("marts")).isTrue();
    assertThat(count("select count(*) from analytics.x")).isEqualTo(1);
    assertThatThrownBy(() -> warehouse.drop("marts"))
        .isInstanceOf(WarehouseException.class)
        .hasMessageContaining("analytics.x, analytics.y");

    sql("drop view analytics.x", "drop view analytics.y");
    assertThat(warehouse.dropUnlessRead("marts")).isEmpty();
    assertThat(warehouse.schemaExists("marts")).isFalse();
    assertThat(count("select count(*) from analytics.kept")).isEqualTo(1);
    assertThat(warehouse.dropUnlessRead("marts")).as("a missing schema is no error").isEmpty();
  }

  @Test
  void aSchemaThatReadsOthersIsDroppedWithoutTouchingThem() throws SQLException {
    assertThat(warehouse.dropUnlessRead("analytics")).isEmpty();
    assertThat(warehouse.schemaExists("analytics")).isFalse();
    assertThat(count("select count(*) from marts.big_orders")).isEqualTo(1);
  }

  @Test
  void theSameViewsAreReboundBySwaps() throws SQLException {
    StagingSchema staging = new StagingSchema("shop", "marts", "run-1");
    warehouse.createStaging(staging);
    String name = staging.name();
    sql(
        "create table " + name + ".orders as select 5 as id",
        "create view " + name + ".big_orders as select * from " + name + ".orders",
        "create materialized view " + name + ".order_counts as select 1 as n");

    assertThat(warehouse.swap(staging)).isTrue();
    assertThat(count("select max(id) from analytics.x")).isEqualTo(5);
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
  }

  private void sql(String... statements) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  private long count(String query) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        var rows = s.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
