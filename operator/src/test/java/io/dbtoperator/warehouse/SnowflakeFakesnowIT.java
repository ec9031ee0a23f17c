package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.FreePort;
import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import java.io.IOException;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SnowflakeWarehouse} through the real snowflake-jdbc driver against fakesnow in server mode
 * (a DuckDB-backed emulator of Snowflake's HTTP protocol, from .venv-fakesnow; see
 * scripts/setup-fakesnow.sh).
 *
 * <p>Covered here: login with password and with key pair (the driver signs a JWT with the parsed
 * key; fakesnow does not check it), ensureSchema, schemaExists, createStaging (drop and create),
 * cloneLive without a live schema, cloneLive of single tables ({@code CREATE TABLE … CLONE}, on
 * several connections at once), drop, and reading schemas back from INFORMATION_SCHEMA.SCHEMATA.
 *
 * <p>fakesnow 0.12.1 does not implement, so only the golden files of {@link SnowflakeSqlTest}
 * cover: {@code ALTER SESSION SET QUERY_TAG} (hence {@code queryTags=false}), schema comments
 * (accepted by CREATE SCHEMA but not stored, so tags read back empty), {@code ALTER SCHEMA ... SET
 * COMMENT}, {@code CREATE SCHEMA ... CLONE}, {@code ALTER SCHEMA ... SWAP WITH}, {@code RENAME TO}
 * with a qualified name, GRANT and REVOKE, SHOW GRANTS, SHOW FUTURE GRANTS and
 * INFORMATION_SCHEMA.TABLE_PRIVILEGES.
 */
class SnowflakeFakesnowIT {

  private static final String DATABASE = "it_db";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);

  private static FakesnowServer fakesnow;
  private static String serverUrl;

  @BeforeAll
  static void startFakesnow() throws Exception {
    fakesnow = FakesnowServer.start("warehouse");
    serverUrl = fakesnow.serverUrl();
    try (Connection c =
            SnowflakeConnections.open(settings(SnowflakeAuthentication.password, null));
        Statement statement = c.createStatement()) {
      statement.execute("CREATE DATABASE IF NOT EXISTS \"IT_DB\"");
    }
  }

  @AfterAll
  static void stopFakesnow() throws InterruptedException {
    if (fakesnow != null) {
      fakesnow.close();
    }
  }

  private static SnowflakeSettings settings(SnowflakeAuthentication auth, String pem) {
    return new SnowflakeSettings(
        "fakesnow",
        "it_user",
        null,
        null,
        DATABASE,
        auth,
        auth == SnowflakeAuthentication.password ? "it-password" : null,
        pem,
        null,
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        serverUrl,
        false);
  }

  private static SnowflakeWarehouse warehouse() {
    return new SnowflakeWarehouse(
        settings(SnowflakeAuthentication.password, null), "shop", "run-1", CLOCK);
  }

  private static List<String> tables(String schema) throws SQLException {
    try (Connection c =
            SnowflakeConnections.open(settings(SnowflakeAuthentication.password, null));
        Statement statement = c.createStatement();
        ResultSet rows =
            statement.executeQuery(
                new SnowflakeSql(DATABASE, "database").selectRelations(schema))) {
      List<String> names = new java.util.ArrayList<>();
      while (rows.next()) {
        names.add(rows.getString(1) + " " + rows.getString(2));
      }
      return names;
    }
  }

  private static List<String> rows(String query) throws SQLException {
    try (Connection c =
            SnowflakeConnections.open(settings(SnowflakeAuthentication.password, null));
        Statement statement = c.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      List<String> values = new java.util.ArrayList<>();
      while (rows.next()) {
        values.add(rows.getString(1));
      }
      return values;
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c =
            SnowflakeConnections.open(settings(SnowflakeAuthentication.password, null));
        Statement statement = c.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void ensureSchemaCreatesItOnceAndSchemaExistsReadsItBack() {
    try (SnowflakeWarehouse warehouse = warehouse()) {
      assertThat(warehouse.schemaExists("ensured")).isFalse();
      warehouse.ensureSchema("ensured");
      warehouse.ensureSchema("ensured");
      assertThat(warehouse.schemaExists("ensured")).isTrue();
      assertThat(warehouse.schemaExists("ENSURED")).isTrue();
      warehouse.drop("ensured");
      assertThat(warehouse.schemaExists("ensured")).isFalse();
    }
  }

  @Test
  void createStagingReplacesAnEarlierAttemptAndDropRemovesIt() throws SQLException {
    StagingSchema staging = new StagingSchema("shop", "orders", "run-1");
    try (SnowflakeWarehouse warehouse = warehouse()) {
      warehouse.createStaging(staging);
      execute("CREATE TABLE \"IT_DB\".\"ORDERS__DBTOP_RUN_1\".\"LEFTOVER\" (id INT)");
      assertThat(tables(staging.name())).containsExactly("LEFTOVER BASE TABLE");

      warehouse.createStaging(staging);
      assertThat(warehouse.schemaExists(staging.name())).isTrue();
      assertThat(tables(staging.name())).isEmpty();
      // fakesnow accepts CREATE SCHEMA ... COMMENT but keeps no schema comment.
      assertThat(warehouse.tag(staging.name())).isEmpty();
      assertThat(warehouse.ownedSchemas("orders")).isEmpty();

      warehouse.drop(staging.name());
      warehouse.drop(staging.name());
      assertThat(warehouse.schemaExists(staging.name())).isFalse();
    }
  }

  @Test
  void cloneLiveWithoutLiveSchemaLeavesStagingAsItIs() throws SQLException {
    StagingSchema staging = new StagingSchema("shop", "first_deploy", "run-1");
    try (SnowflakeWarehouse warehouse = warehouse()) {
      warehouse.createStaging(staging);
      warehouse.cloneLive(staging, List.of("incremental_model"), true);
      assertThat(warehouse.schemaExists(staging.name())).isTrue();
      assertThat(warehouse.schemaExists("first_deploy")).isFalse();
      assertThat(tables(staging.name())).isEmpty();
      warehouse.drop(staging.name());
    }
  }

  @Test
  void aRefreshClonesOnlyTheKeptTablesEachOnItsOwn() throws SQLException {
    StagingSchema staging = new StagingSchema("shop", "kept", "run-1");
    try (SnowflakeWarehouse warehouse = warehouse()) {
      warehouse.ensureSchema("kept");
      execute("CREATE TABLE \"IT_DB\".\"KEPT\".\"EVENTS\" AS SELECT 1 AS ID UNION ALL SELECT 2");
      execute("CREATE TABLE \"IT_DB\".\"KEPT\".\"SNAP\" AS SELECT 'a' AS K");
      execute("CREATE TABLE \"IT_DB\".\"KEPT\".\"REBUILT\" AS SELECT 3 AS ID");
      execute(
          "CREATE VIEW \"IT_DB\".\"KEPT\".\"RECENT\" AS SELECT * FROM \"IT_DB\".\"KEPT\".\"EVENTS\"");
      warehouse.createStaging(staging);

      warehouse.cloneLive(staging, List.of("events", "snap", "recent", "not_built_yet"), false);

      assertThat(tables(staging.name())).containsExactly("EVENTS BASE TABLE", "SNAP BASE TABLE");
      assertThat(rows("SELECT ID FROM \"IT_DB\".\"KEPT__DBTOP_RUN_1\".\"EVENTS\" ORDER BY ID"))
          .containsExactly("1", "2");
      assertThat(rows("SELECT K FROM \"IT_DB\".\"KEPT__DBTOP_RUN_1\".\"SNAP\""))
          .containsExactly("a");
      warehouse.drop(staging.name());
      warehouse.drop("kept");
    }
  }

  @Test
  void sqlErrorIsReportedWithTheSchemaAndNotRetried() {
    StagingSchema staging = new StagingSchema("shop", "cloned", "run-1");
    try (SnowflakeWarehouse warehouse = warehouse()) {
      warehouse.ensureSchema("cloned");
      warehouse.createStaging(staging);
      // fakesnow's parser rejects CLONE for schemas: a SQL error, which must fail at once.
      long start = System.nanoTime();
      assertThatThrownBy(() -> warehouse.cloneLive(staging, List.of(), true))
          .isInstanceOf(WarehouseException.class)
          .hasMessageStartingWith("clone live schema cloned__dbtop_run_1: ")
          .hasMessageContaining("CLONE");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      warehouse.drop(staging.name());
      warehouse.drop("cloned");
    }
  }

  @Test
  void unreachableServerIsTriedThreeTimesThenReported() throws IOException {
    int closedPort = FreePort.pick();
    SnowflakeSettings settings =
        new SnowflakeSettings(
            "fakesnow",
            "it_user",
            null,
            null,
            DATABASE,
            SnowflakeAuthentication.password,
            "it-password",
            null,
            null,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            "http://127.0.0.1:" + closedPort,
            false);
    long start = System.nanoTime();
    try (SnowflakeWarehouse warehouse = new SnowflakeWarehouse(settings, "shop", "run-1", CLOCK)) {
      assertThatThrownBy(() -> warehouse.ensureSchema("unreachable"))
          .isInstanceOf(WarehouseException.class)
          .hasMessageStartingWith("create schema unreachable: ")
          .hasMessageNotContaining("it-password")
          .cause()
          .isInstanceOf(SQLException.class)
          .extracting(e -> ((SQLException) e).getErrorCode())
          .isEqualTo(200015);
    }
    // The driver's network error is transient: two waits (0.5 s and 2 s) between three attempts.
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void keyPairLoginSendsTheParsedKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    String pem =
        SnowflakeSettingsTest.pem(
            "PRIVATE KEY", generator.generateKeyPair().getPrivate().getEncoded());
    try (SnowflakeWarehouse warehouse =
        new SnowflakeWarehouse(
            settings(SnowflakeAuthentication.keyPair, pem), "shop", "run-1", CLOCK)) {
      warehouse.ensureSchema("key_pair");
      assertThat(warehouse.schemaExists("key_pair")).isTrue();
      warehouse.drop("key_pair");
    }
  }
}
