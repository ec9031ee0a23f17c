package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.warehouse.FakesnowServer;
import io.dbtoperator.warehouse.SnowflakeConnections;
import io.dbtoperator.warehouse.SnowflakeSettings;
import io.dbtoperator.warehouse.SnowflakeWarehouse;
import io.dbtoperator.warehouse.StagingSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real dbt-snowflake (from .venv) builds each schema of examples/shop into its staging schema on
 * fakesnow in server mode, through the CLI's {@code snowflake://} location, the generated profile
 * ({@code host}, {@code port}, {@code protocol: http}, password through {@code env_var()}) and the
 * staging redirect with swap-safe view references.
 *
 * <p>fakesnow cannot CLONE a schema, SWAP or RENAME one, so live is built first by a plain dbt
 * build, each staging schema is created by {@link SnowflakeWarehouse#createStaging}, and a
 * refresh's clone step runs as the engine runs it: {@link SnowflakeWarehouse#cloneLive} clones the
 * incremental on its own ({@code CREATE TABLE ... CLONE}, which fakesnow does support). A
 * snapshot's second run is left out: fakesnow fails its MERGE (DuckDB lets one transaction write to
 * one attached database only), aborting the session, after which the connector retries HTTP 500s
 * for minutes; its first run, on live, is built. Swaps stay covered by the golden SQL of
 * SnowflakeSqlTest. The test's copy of the project carries one macro for fakesnow: temporary
 * relations without database and schema ({@link #FAKESNOW_TEMP_RELATIONS}), and its incremental
 * uses delete+insert, since fakesnow cannot bind the unqualified column names of dbt-snowflake's
 * MERGE.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SnowflakeDbtBuildIT {
  private static final String PASSWORD = "fakesnow-it-secret-7f3c";
  private static final String RUN = "20261129030000-0123abcd-d";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-29T03:00:00Z"), ZoneOffset.UTC);

  /**
   * fakesnow (DuckDB) keeps temporary tables in a catalog of their own and rejects a temporary
   * table named with a database and schema, which dbt-snowflake's incremental merge and snapshot
   * staging tables are; real Snowflake takes them. Only this test's copy of the project gets it.
   */
  private static final String FAKESNOW_TEMP_RELATIONS =
      """
      {% macro snowflake__make_temp_relation(base_relation, suffix) %}
        {{ return(base_relation.incorporate(path={
             "identifier": base_relation.identifier ~ suffix, "database": none, "schema": none})) }}
      {% endmacro %}
      """;

  @TempDir static Path temp;

  private static FakesnowServer fakesnow;
  private static SnowflakeTarget target;
  private static SnowflakeSettings operatorSettings;
  private static LocalDbtExecutor dbt;
  private static Workspace workspace;

  @BeforeAll
  static void buildLive() throws Exception {
    fakesnow = FakesnowServer.start("dbt-build");
    target =
        (SnowflakeTarget)
            WarehouseLocation.open(
                    "snowflake://fakesnow/SHOP_IT?user=it_user&schema=public&host=127.0.0.1&port="
                        + fakesnow.port()
                        + "&protocol=http&login_timeout=5",
                    Map.of("SNOWFLAKE_PASSWORD", PASSWORD)::get)
                .target();
    operatorSettings = withoutQueryTags(target.settings());
    execute(null, "CREATE DATABASE IF NOT EXISTS SHOP_IT");

    GitFixture git = new GitFixture(temp.resolve("repo"));
    git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop"))
        .write(
            Map.of(
                "models/staging/stg_big_orders.sql",
                "select * from {{ ref('stg_orders') }} where amount_cents > 1000\n",
                "macros/fakesnow_temp_relations.sql",
                FAKESNOW_TEMP_RELATIONS));
    Path projectFile = git.dir().resolve("dbt_project.yml");
    Files.writeString(
        projectFile,
        Files.readString(projectFile)
            .replace(
                "      +schema: marts\n",
                "      +schema: marts\n      +incremental_strategy: delete+insert\n"));
    String commit = git.commit("with a view reading a view of its own schema");
    dbt = new LocalDbtExecutor(PostgresHarness.dbt());
    workspace =
        Workspace.prepare(
            JGitRepository.open(git.dir()),
            ".",
            commit,
            temp.resolve("ws"),
            target,
            dbt,
            null,
            l -> {});

    String log = dbt("live", List.of("build"));
    assertThat(log)
        .as("seeds, views, tables, the incremental, the snapshot and the tests on live")
        .contains("\"msg\": \"Done. PASS=16 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=16\"");
  }

  @AfterAll
  static void stopFakesnow() throws InterruptedException {
    if (fakesnow != null) {
      fakesnow.close();
    }
  }

  @Test
  void seedsAndViewsBuildIntoStagingWithSameSchemaRefsUnqualified() throws Exception {
    String rawStaging = buildIntoStaging("raw", "shop.raw_customers", "shop.raw_orders");
    assertThat(count(rawStaging, "RAW_CUSTOMERS")).isEqualTo(4);
    assertThat(count(rawStaging, "RAW_ORDERS")).isEqualTo(5);

    String staging = buildIntoStaging("staging", "shop.staging");
    assertThat(views(staging))
        .containsExactlyInAnyOrder("STG_BIG_ORDERS", "STG_CUSTOMERS", "STG_ORDERS");
    Path compiled = workspace.targetPath("staging").resolve("compiled/shop/models/staging");
    assertThat(Files.readString(compiled.resolve("stg_big_orders.sql")))
        .as("a view's ref to its own schema has no database or schema, so it survives SWAP WITH")
        .containsPattern("(?i)from\\s+stg_orders\\b")
        .doesNotContainIgnoringCase(staging)
        .doesNotContainIgnoringCase("shop_it.");
    assertThat(Files.readString(compiled.resolve("stg_orders.sql")))
        .as("refs to other schemas stay on live names")
        .containsIgnoringCase("shop_it.raw.raw_orders")
        .doesNotContainIgnoringCase(rawStaging);
    // Read from a session with no current schema: the unqualified name resolves in the view's own.
    assertThat(count(staging, "STG_BIG_ORDERS"))
        .isEqualTo(count("RAW", "RAW_ORDERS WHERE AMOUNT_CENTS > 1000"))
        .isPositive();
  }

  @Test
  void incrementalAppendsToItsClonedHistoryAndReportingReadsLiveMarts() throws Exception {
    // New source data after the live build: order 1 disappears, order 6 arrives.
    execute("RAW", "DELETE FROM RAW_ORDERS WHERE ID = 1");
    execute(
        "RAW",
        "INSERT INTO RAW_ORDERS (ID, CUSTOMER_ID, ORDERED_AT, AMOUNT_CENTS, STATUS)"
            + " VALUES (6, 2, '2026-02-01', 990, 'completed')");
    String marts = new StagingSchema("shop", "marts", RUN).name();
    try (SnowflakeWarehouse warehouse =
        new SnowflakeWarehouse(operatorSettings, "shop", RUN, CLOCK)) {
      warehouse.createStaging(new StagingSchema("shop", "marts", RUN));
      // A refresh's clone step: only the incremental keeps its history, cloned table by table.
      warehouse.cloneLive(new StagingSchema("shop", "marts", RUN), List.of("order_events"), false);
    }
    assertThat(ids(marts, "ORDER_EVENTS", "ORDER_ID"))
        .as("the clone holds live's history")
        .containsExactly(1, 2, 3, 4, 5);

    dbtIntoStaging("marts", marts, List.of("shop.marts"));

    assertThat(ids(marts, "ORDER_EVENTS", "ORDER_ID"))
        .as("the incremental kept order 1 from the clone and appended order 6")
        .containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(ids("MARTS", "ORDER_EVENTS", "ORDER_ID"))
        .as("live is untouched")
        .containsExactly(1, 2, 3, 4, 5);
    assertThat(ids(marts, "ORDERS", "ORDER_ID"))
        .as("tables are rebuilt")
        .doesNotContain(1)
        .contains(6);

    String reporting = buildIntoStaging("reporting", "shop.reporting");
    assertThat(
            Files.readString(
                workspace
                    .targetPath("reporting")
                    .resolve("compiled/shop/models/reporting/daily_revenue.sql")))
        .as("reporting reads live marts, not the marts staging schema")
        .containsIgnoringCase("shop_it.marts.orders")
        .doesNotContainIgnoringCase(marts);
    assertThat(count(reporting, "DAILY_REVENUE")).isPositive();
  }

  private static String buildIntoStaging(String live, String... selectors) throws Exception {
    StagingSchema staging = new StagingSchema("shop", live, RUN);
    try (SnowflakeWarehouse warehouse =
        new SnowflakeWarehouse(operatorSettings, "shop", RUN, CLOCK)) {
      warehouse.createStaging(staging);
    }
    dbtIntoStaging(live, staging.name(), List.of(selectors));
    return staging.name();
  }

  private static String dbtIntoStaging(String live, String staging, List<String> selectors)
      throws Exception {
    StagingRedirect.install(
        workspace.projectDir(),
        workspace.layout(),
        workspace.manifest(),
        Map.of(live, staging),
        true);
    List<String> arguments = new ArrayList<>(List.of("build", "--select"));
    arguments.addAll(selectors);
    return dbt(live, arguments);
  }

  private static String dbt(String runDir, List<String> arguments) throws Exception {
    String queryTag = "{\"app\":\"dbt-operator\",\"project\":\"shop\",\"run\":\"" + RUN + "\"}";
    DbtProfile profile = target.profile(workspace.profileName(), 2, queryTag);
    StringBuilder log = new StringBuilder();
    int exit =
        dbt.run(
            workspace.command(target, profile, arguments, runDir),
            line -> log.append(line).append('\n'));
    assertThat(log.toString()).doesNotContain(PASSWORD);
    assertThat(exit).as(log.toString()).isZero();
    return log.toString();
  }

  private static SnowflakeSettings withoutQueryTags(SnowflakeSettings s) {
    // fakesnow rejects ALTER SESSION SET QUERY_TAG; dbt-snowflake's tag, a login parameter, works.
    return new SnowflakeSettings(
        s.account(),
        s.user(),
        s.role(),
        s.warehouse(),
        s.database(),
        s.authentication(),
        s.password(),
        s.privateKeyPem(),
        s.passphrase(),
        s.loginTimeout(),
        s.networkTimeout(),
        s.serverUrl(),
        false);
  }

  private static void execute(String schema, String sql) throws SQLException {
    try (Connection c = SnowflakeConnections.open(operatorSettings);
        Statement statement = c.createStatement()) {
      if (schema != null) {
        statement.execute("USE SCHEMA SHOP_IT." + schema);
      }
      statement.execute(sql);
    }
  }

  private static int count(String schema, String relationAndWhere) throws SQLException {
    try (Connection c = SnowflakeConnections.open(operatorSettings);
        Statement statement = c.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT COUNT(*) FROM SHOP_IT." + schema.toUpperCase() + "." + relationAndWhere)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static List<Integer> ids(String schema, String table, String column) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (Connection c = SnowflakeConnections.open(operatorSettings);
        Statement statement = c.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT "
                    + column
                    + " FROM SHOP_IT."
                    + schema.toUpperCase()
                    + "."
                    + table
                    + " ORDER BY 1")) {
      while (rows.next()) {
        ids.add(rows.getInt(1));
      }
    }
    return ids;
  }

  /** fakesnow's INFORMATION_SCHEMA.TABLES lists no views; VIEWS does. */
  private static List<String> views(String schema) throws SQLException {
    List<String> views = new ArrayList<>();
    try (Connection c = SnowflakeConnections.open(operatorSettings);
        Statement statement = c.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT TABLE_NAME FROM SHOP_IT.INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = '"
                    + schema.toUpperCase()
                    + "'")) {
      while (rows.next()) {
        views.add(rows.getString(1));
      }
    }
    return views;
  }
}
