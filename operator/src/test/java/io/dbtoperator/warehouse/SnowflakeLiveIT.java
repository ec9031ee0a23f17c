package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@link SnowflakeWarehouse} against a real Snowflake account, on schemas named after a random id
 * that are dropped afterwards: the full cycle, and the clone strategies measured side by side. Runs
 * only with the variables {@link SnowflakeLiveEnv} reads; skipped otherwise, with a printed line.
 * SNOWFLAKE_GRANTEE_ROLE, if set, names a role that receives and loses SELECT.
 */
class SnowflakeLiveIT {

  @Test
  void fullCycleOnAUniqueSchema() throws Exception {
    SnowflakeSettings settings = SnowflakeLiveEnv.settingsOrSkip("SnowflakeLiveIT.fullCycle");
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String live = "dbtop_it_" + suffix;
    StagingSchema first = new StagingSchema("it", live, "r1-" + suffix);
    StagingSchema second = new StagingSchema("it", live, "r2-" + suffix);
    Clock clock = Clock.systemUTC();
    SnowflakeSql sql = new SnowflakeSql(settings.database(), "SNOWFLAKE_DATABASE");
    try {
      try (SnowflakeWarehouse warehouse =
          new SnowflakeWarehouse(settings, "it", first.runId(), clock)) {
        warehouse.createStaging(first);
        warehouse.cloneLive(first, List.of(), true);
        execute(settings, "CREATE TABLE " + sql.schema(first.name()) + ".\"T\" (ID INT)");
        execute(settings, "INSERT INTO " + sql.schema(first.name()) + ".\"T\" VALUES (1)");
        assertThat(warehouse.swap(first)).isTrue();
        assertThat(warehouse.swap(first)).isFalse();
        assertThat(warehouse.tag(live))
            .get()
            .extracting(SchemaTag::runId, SchemaTag::role)
            .containsExactly(first.runId(), SchemaTag.Role.LIVE);
        assertThat(warehouse.schemaExists(first.name())).isFalse();
      }
      try (SnowflakeWarehouse warehouse =
          new SnowflakeWarehouse(settings, "it", second.runId(), clock)) {
        warehouse.createStaging(second);
        assertThat(warehouse.tag(second.name()))
            .get()
            .extracting(SchemaTag::role)
            .isEqualTo(SchemaTag.Role.STAGING);
        warehouse.cloneLive(second, List.of(), true);
        assertThat(warehouse.tag(second.name()))
            .get()
            .extracting(SchemaTag::runId)
            .isEqualTo(second.runId());
        assertThat(warehouse.swap(second)).isTrue();
        assertThat(warehouse.tag(live))
            .get()
            .extracting(SchemaTag::runId)
            .isEqualTo(second.runId());
        assertThat(warehouse.tag(second.name()))
            .get()
            .extracting(SchemaTag::runId, SchemaTag::role)
            .containsExactly(first.runId(), SchemaTag.Role.PREVIOUS);
        assertThat(warehouse.ownedSchemas(live))
            .extracting(OwnedSchema::name)
            .containsExactly(second.name());

        String grantee = SnowflakeLiveEnv.granteeRole();
        if (grantee != null) {
          SchemaGrants desired = SchemaGrants.of(Map.of(grantee, List.of("SELECT")));
          assertThat(warehouse.applyGrants(live, desired).granted()).isEqualTo(desired);
          assertThat(warehouse.currentGrants(live)).isEqualTo(desired);
          assertThat(warehouse.applyGrants(live, desired).isEmpty()).isTrue();
          warehouse.applyGrants(live, SchemaGrants.none());
          assertThat(warehouse.currentGrants(live).privilegesByRole())
              .doesNotContainKey(grantee.toUpperCase(Locale.ROOT));
        }
        warehouse.drop(second.name());
        assertThat(warehouse.schemaExists(second.name())).isFalse();
      }
    } finally {
      for (String schema : List.of(live, first.name(), second.name())) {
        execute(settings, sql.dropSchema(schema));
      }
    }
  }

  /**
   * The measurement behind the clone strategy (docs/deploys.md, "Clone"): N tables (200 unless
   * SNOWFLAKE_CLONE_TABLES says otherwise) cloned by one {@code CREATE SCHEMA … CLONE}, then one by
   * one on a single session, then as a refresh clones them ({@link ConcurrentClones#SESSIONS} at a
   * time), printed side by side with their ratios.
   */
  @Test
  void cloneStrategiesSideBySide() throws Exception {
    SnowflakeSettings settings =
        SnowflakeLiveEnv.settingsOrSkip("SnowflakeLiveIT.cloneStrategiesSideBySide");
    int count =
        Integer.parseInt(
            SnowflakeLiveEnv.variables().getOrDefault("SNOWFLAKE_CLONE_TABLES", "200"));
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String source = "dbtop_clone_" + suffix;
    StagingSchema wholeSchema = new StagingSchema("it", source, "whole-" + suffix);
    StagingSchema concurrent = new StagingSchema("it", source, "tables-" + suffix);
    String serial = source + "_serial";
    SnowflakeSql sql = new SnowflakeSql(settings.database(), "SNOWFLAKE_DATABASE");
    List<String> tables = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tables.add(String.format("t_%04d", i));
    }
    Clock clock = Clock.systemUTC();
    try (SnowflakeWarehouse warehouse =
        new SnowflakeWarehouse(settings, "it", "measure-" + suffix, clock)) {
      warehouse.ensureSchema(source);
      // Created several at a time too, so that setting up 200 tables takes seconds, not minutes.
      ConcurrentClones.run(
          "create tables in " + source,
          tables,
          () -> {
            Connection c = SnowflakeConnections.open(settings);
            return new ConcurrentClones.Session() {
              @Override
              public void clone(String table) throws SQLException {
                try (Statement statement = c.createStatement()) {
                  statement.execute(
                      "CREATE OR REPLACE TABLE "
                          + sql.schema(source)
                          + "."
                          + SnowflakeSql.identifier("table", table)
                          + " AS SELECT SEQ4() AS ID, UNIFORM(1, 1000, RANDOM()) AS V"
                          + " FROM TABLE(GENERATOR(ROWCOUNT => 10000))");
                }
              }

              @Override
              public void close() {
                try {
                  c.close();
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              }
            };
          },
          SnowflakeWarehouse::describe);

      warehouse.createStaging(wholeSchema);
      long start = System.nanoTime();
      warehouse.cloneLive(wholeSchema, List.of(), true);
      Duration schemaClone = Duration.ofNanos(System.nanoTime() - start);

      warehouse.ensureSchema(serial);
      start = System.nanoTime();
      try (Connection c = SnowflakeConnections.open(settings);
          Statement statement = c.createStatement()) {
        for (String table : tables) {
          statement.execute(sql.cloneTable(serial, source, table));
        }
      }
      Duration oneByOne = Duration.ofNanos(System.nanoTime() - start);

      warehouse.createStaging(concurrent);
      start = System.nanoTime();
      warehouse.cloneLive(concurrent, tables, false);
      Duration atOnce = Duration.ofNanos(System.nanoTime() - start);

      for (String schema : List.of(wholeSchema.name(), serial, concurrent.name())) {
        assertThat(tableCount(settings, sql, schema)).as(schema).isEqualTo(count);
      }
      System.out.printf(
          "Snowflake clone of %d tables (account %s, warehouse %s):%n"
              + "  CREATE SCHEMA … CLONE            %8.1f s%n"
              + "  CREATE TABLE … CLONE, one by one %8.1f s  (%.2f× the schema clone)%n"
              + "  CREATE TABLE … CLONE, %d at once  %8.1f s  (%.2f× the schema clone,"
              + " %.2f× one by one)%n",
          count,
          settings.account(),
          settings.warehouse(),
          seconds(schemaClone),
          seconds(oneByOne),
          seconds(oneByOne) / seconds(schemaClone),
          ConcurrentClones.SESSIONS,
          seconds(atOnce),
          seconds(atOnce) / seconds(schemaClone),
          seconds(atOnce) / seconds(oneByOne));
    } finally {
      for (String schema : List.of(source, serial, wholeSchema.name(), concurrent.name())) {
        execute(settings, sql.dropSchema(schema));
      }
    }
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  private static int tableCount(SnowflakeSettings settings, SnowflakeSql sql, String schema)
      throws SQLException {
    try (Connection c = SnowflakeConnections.open(settings);
        Statement statement = c.createStatement();
        java.sql.ResultSet rows = statement.executeQuery(sql.selectRelations(schema))) {
      int tables = 0;
      while (rows.next()) {
        tables++;
      }
      return tables;
    }
  }

  private static void execute(SnowflakeSettings settings, String statementText)
      throws SQLException {
    try (Connection c = SnowflakeConnections.open(settings);
        Statement statement = c.createStatement()) {
      statement.execute(statementText);
    }
  }
}
