package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.warehouse.SnowflakeSql.RelationKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Pins the statements of {@link SnowflakeSql}, in the order {@link SnowflakeWarehouse} issues them,
 * against golden files in src/test/resources/golden/snowflake/. Regenerate them with
 * -Ddbt-operator.updateGolden=true and review the diff.
 */
class SnowflakeSqlTest {

  private static final Path GOLDEN = Path.of("src/test/resources/golden/snowflake");
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00.123Z");

  private final SnowflakeSql sql = new SnowflakeSql("analytics_db", "database");
  private final StagingSchema staging = new StagingSchema("shop", "marts", "run-2");

  private SchemaTag tag(String run, SchemaTag.Role role) {
    return new SchemaTag("shop", "marts", run, role, T0);
  }

  @Test
  void deployFirst() throws IOException {
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.add(sql.dropSchema(staging.name()));
    statements.add(
        sql.createSchemaIfNotExists(staging.name(), tag("run-2", SchemaTag.Role.STAGING)));
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.add(sql.selectSchema("marts"));
    statements.add(sql.queryTag("shop", "marts", "run-2"));
    statements.add(sql.selectSchema("marts"));
    statements.add(sql.selectSchema(staging.name()));
    statements.addAll(
        sql.swapTogether(
            List.of(
                new SnowflakeSql.Swap(
                    staging.name(), "marts", false, tag("run-2", SchemaTag.Role.LIVE)))));
    statements.add(sql.selectSchema(staging.name()));
    assertGolden("deploy-first", statements);
  }

  /**
   * Schemas that read each other swap as one unit: the reads and the LIVE tags first, then the
   * {@code SWAP WITH} statements back to back (the only window in which readers can see one swapped
   * and not the other), then the PREVIOUS tags.
   */
  @Test
  void deployGroupSwap() throws IOException {
    StagingSchema core = new StagingSchema("shop", "core", "run-2");
    StagingSchema silver = new StagingSchema("shop", "silver", "run-3");
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", "core", "run-2"));
    for (StagingSchema staging : List.of(core, silver)) {
      statements.add(sql.selectSchema(staging.live()));
      statements.add(sql.selectSchema(staging.name()));
    }
    statements.addAll(
        sql.swapTogether(
            List.of(
                new SnowflakeSql.Swap(
                    core.name(),
                    "core",
                    true,
                    new SchemaTag("shop", "core", "run-2", SchemaTag.Role.LIVE, T0)),
                new SnowflakeSql.Swap(
                    silver.name(),
                    "silver",
                    true,
                    new SchemaTag("shop", "silver", "run-3", SchemaTag.Role.LIVE, T0)))));
    for (StagingSchema staging : List.of(core, silver)) {
      statements.add(sql.selectSchema(staging.name()));
      statements.add(
          sql.setComment(
              staging.name(),
              new SchemaTag("shop", staging.live(), "run-1", SchemaTag.Role.PREVIOUS, T0)));
    }
    assertGolden("deploy-group-swap", statements);
  }

  @Test
  void dropUnlessRead() throws IOException {
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", "marts", "delete"));
    statements.add(sql.selectViewsReading("marts"));
    statements.add(sql.dropSchemaRestrict("marts"));
    assertGolden("drop-unless-read", statements);
  }

  @Test
  void deploySwap() throws IOException {
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.add(sql.dropSchema(staging.name()));
    statements.add(
        sql.createSchemaIfNotExists(staging.name(), tag("run-2", SchemaTag.Role.STAGING)));
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.add(sql.selectSchema("marts"));
    statements.add(sql.cloneSchema(staging.name(), "marts"));
    statements.add(sql.setComment(staging.name(), tag("run-2", SchemaTag.Role.STAGING)));
    statements.addAll(swapOfMarts());
    assertGolden("deploy-swap", statements);
  }

  /**
   * A refresh clones only the tables that keep history, each on its own: the relations of live are
   * read on the operator's connection, then each clone session sets the run's QUERY_TAG and clones
   * the tables it takes (up to {@link ConcurrentClones#SESSIONS} sessions at once, so in the
   * warehouse the clones interleave; here they are listed as one session would run them).
   */
  @Test
  void refreshClonesTables() throws IOException {
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.add(sql.selectSchema("marts"));
    statements.add(sql.selectRelations("marts"));
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.add(sql.cloneTable(staging.name(), "marts", "ORDER_EVENTS"));
    statements.add(sql.cloneTable(staging.name(), "marts", "ORDERS_SNAPSHOT"));
    assertGolden("refresh-clone-tables", statements);
  }

  @Test
  void grantsApplyWithDrift() throws IOException {
    // ANALYST has SELECT on the table only (a view and the future grants are missing), OLD_ROLE
    // has SELECT and INSERT that are no longer wanted, and LOADER is new.
    SnowflakeGrantState state =
        new SnowflakeGrantState(
            Set.of("ANALYST", "OLD_ROLE"),
            Map.of("ORDERS", RelationKind.TABLES, "ORDERS_V", RelationKind.VIEWS),
            Map.of("ORDERS", Map.of("ANALYST", Set.of("SELECT"), "OLD_ROLE", Set.of("INSERT"))),
            Map.of(RelationKind.TABLES, Map.of("OLD_ROLE", Set.of("SELECT"))));
    SchemaGrants desired =
        SchemaGrants.of(Map.of("analyst", List.of("select"), "loader", List.of("insert")));
    GrantDrift drift = state.driftTo(desired);

    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", "marts", "run-2"));
    statements.add(sql.showGrantsOnSchema("marts"));
    statements.add(sql.showFutureGrantsInSchema("marts"));
    statements.add(sql.selectRelations("marts"));
    statements.add(sql.selectRelationPrivileges("marts"));
    statements.add("-- " + drift.describe());
    statements.addAll(sql.applyDrift("marts", drift, desired.privilegesByRole().keySet()));
    assertGolden("grants-apply", statements);

    assertThat(drift.describe())
        .isEqualTo("granted ANALYST: SELECT, LOADER: INSERT; revoked OLD_ROLE: INSERT SELECT");
    assertThat(state.held().privilegesByRole())
        .isEqualTo(
            SchemaGrants.of(
                    Map.of("ANALYST", List.of("SELECT"), "OLD_ROLE", List.of("INSERT", "SELECT")))
                .privilegesByRole());
  }

  /**
   * The grant sequence around a deploy's swap: the GRANT step sets the desired grants on staging,
   * the schemas swap, and live's grants are read again and corrected. Here the swap lost the future
   * grants on views (what Snowflake does with grants a schema inherited), so they are granted again
   * on live.
   */
  @Test
  void grantsAroundTheSwap() throws IOException {
    SchemaGrants desired = SchemaGrants.of(Map.of("reporter", List.of("SELECT")));
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", staging.name(), "run-2"));
    statements.addAll(readGrants(staging.name()));
    GrantDrift onStaging =
        new SnowflakeGrantState(
                Set.of(),
                Map.of("ORDERS", RelationKind.TABLES, "BIG_ORDERS", RelationKind.VIEWS),
                Map.of(),
                Map.of())
            .driftTo(desired);
    statements.add("-- staging: " + onStaging.describe());
    statements.addAll(
        sql.applyDrift(staging.name(), onStaging, desired.privilegesByRole().keySet()));
    statements.addAll(swapOfMarts());
    statements.add(sql.queryTag("shop", "marts", "run-2"));
    statements.addAll(readGrants("marts"));
    GrantDrift afterSwap =
        new SnowflakeGrantState(
                Set.of("REPORTER"),
                Map.of("ORDERS", RelationKind.TABLES, "BIG_ORDERS", RelationKind.VIEWS),
                Map.of(
                    "ORDERS", Map.of("REPORTER", Set.of("SELECT")),
                    "BIG_ORDERS", Map.of("REPORTER", Set.of("SELECT"))),
                Map.of(RelationKind.TABLES, Map.of("REPORTER", Set.of("SELECT"))))
            .driftTo(desired);
    statements.add("-- live after the swap: " + afterSwap.describe());
    statements.addAll(sql.applyDrift("marts", afterSwap, desired.privilegesByRole().keySet()));
    assertGolden("deploy-swap-grants", statements);

    assertThat(afterSwap.describe()).isEqualTo("granted REPORTER: SELECT");
  }

  /** The swap of staging with an existing live marts, as SnowflakeWarehouse#swap issues it. */
  private List<String> swapOfMarts() {
    List<String> statements = new ArrayList<>();
    statements.add(sql.queryTag("shop", "marts", "run-2"));
    statements.add(sql.selectSchema("marts"));
    statements.add(sql.selectSchema(staging.name()));
    statements.addAll(
        sql.swapTogether(
            List.of(
                new SnowflakeSql.Swap(
                    staging.name(), "marts", true, tag("run-2", SchemaTag.Role.LIVE)))));
    statements.add(sql.selectSchema(staging.name()));
    statements.add(sql.setComment(staging.name(), tag("run-1", SchemaTag.Role.PREVIOUS)));
    return statements;
  }

  private List<String> readGrants(String schema) {
    return List.of(
        sql.showGrantsOnSchema(schema),
        sql.showFutureGrantsInSchema(schema),
        sql.selectRelations(schema),
        sql.selectRelationPrivileges(schema));
  }

  @Test
  void grantsAsDesiredNeedNoStatement() {
    SnowflakeGrantState state =
        new SnowflakeGrantState(
            Set.of("ANALYST"),
            Map.of("ORDERS", RelationKind.TABLES, "ORDERS_V", RelationKind.VIEWS),
            Map.of(
                "ORDERS",
                Map.of("ANALYST", Set.of("SELECT")),
                "ORDERS_V",
                Map.of("ANALYST", Set.of("SELECT"))),
            Map.of(
                RelationKind.TABLES, Map.of("ANALYST", Set.of("SELECT")),
                RelationKind.VIEWS, Map.of("ANALYST", Set.of("SELECT"))));
    GrantDrift drift = state.driftTo(SchemaGrants.of(Map.of("ANALYST", List.of("SELECT"))));

    assertThat(drift.isEmpty()).isTrue();
    assertThat(sql.applyDrift("marts", drift, Set.of("ANALYST"))).isEmpty();
  }

  @Test
  void roleWithOnlyUsageIsRevoked() {
    SnowflakeGrantState state =
        new SnowflakeGrantState(Set.of("GONE"), Map.of(), Map.of(), Map.of());
    GrantDrift drift = state.driftTo(SchemaGrants.none());

    assertThat(drift.describe()).isEqualTo("revoked GONE: USAGE");
    assertThat(sql.applyDrift("marts", drift, Set.of()))
        .containsExactly("REVOKE USAGE ON SCHEMA \"ANALYTICS_DB\".\"MARTS\" FROM ROLE \"GONE\"");
  }

  @Test
  void drop() throws IOException {
    assertGolden(
        "drop", List.of(sql.queryTag("shop", "old_marts", "run-2"), sql.dropSchema("old_marts")));
  }

  @Test
  void tags() throws IOException {
    assertGolden(
        "tags",
        List.of(
            sql.queryTag("shop", "marts", "run-2"),
            sql.selectTaggedSchemas(),
            sql.selectSchema("marts"),
            sql.setComment("marts", tag("run-2", SchemaTag.Role.LIVE)),
            sql.createSchemaIfNotExists("marts")));
  }

  @Test
  void identifiersAreFoldedToUpperCaseAndQuoted() {
    assertThat(SnowflakeSql.identifier("f", "my_Schema$1")).isEqualTo("\"MY_SCHEMA$1\"");
    assertThat(SnowflakeSql.identifier("f", "_x")).isEqualTo("\"_X\"");
    assertThat(sql.schema("marts")).isEqualTo("\"ANALYTICS_DB\".\"MARTS\"");
  }

  @Test
  void invalidIdentifiersAreRejectedWithTheField() {
    assertThatThrownBy(() -> new SnowflakeSql("my-db", "spec.warehouse.snowflake.database"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spec.warehouse.snowflake.database: \"my-db\" is not a valid identifier");
    assertThatThrownBy(() -> sql.dropSchema("x\"; drop database prod; --"))
        .hasMessage("schema: \"x\\\"; drop database prod; --\" is not a valid identifier");
    assertThatThrownBy(() -> sql.grantUsage("marts", "a b"))
        .hasMessage("role: \"a b\" is not a valid identifier");
    for (String bad : List.of("", "1abc", "a.b", "a\"b", "a'b", "sch\u00e9ma", "a\nb")) {
      assertThatThrownBy(() -> SnowflakeSql.identifier("f", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> SnowflakeSql.identifier("f", null))
        .hasMessage("f: null is not a valid identifier");
  }

  @Test
  void privilegesAreCheckedAndOwnershipIsNeverGranted() {
    assertThat(SnowflakeSql.privilege("p", " select ")).isEqualTo("SELECT");
    assertThat(SnowflakeSql.privilege("p", "evolve schema")).isEqualTo("EVOLVE SCHEMA");
    assertThatThrownBy(() -> SnowflakeSql.privilege("p", "SELECT; DROP"))
        .hasMessage("p: \"SELECT; DROP\" is not a privilege the operator grants");
    assertThatThrownBy(() -> SnowflakeSql.privilege("p", "ownership"))
        .hasMessage("p: \"ownership\" is not a privilege the operator grants");
    assertThat(sql.grantOnAll("insert", RelationKind.TABLES, "marts", "loader"))
        .isEqualTo(
            "GRANT INSERT ON ALL TABLES IN SCHEMA \"ANALYTICS_DB\".\"MARTS\" TO ROLE \"LOADER\"");
  }

  @Test
  void literalsEscapeQuotesAndBackslashes() {
    assertThat(SnowflakeSql.literal("it's")).isEqualTo("'it\\'s'");
    assertThat(SnowflakeSql.literal("a\\' or 1=1 --")).isEqualTo("'a\\\\\\' or 1=1 --'");
    assertThat(SnowflakeSql.literal("")).isEqualTo("''");
  }

  @Test
  void queryTagIsJsonNamingAppProjectSchemaAndRun() {
    assertThat(sql.queryTag("team's \"shop\"", "marts", "run-2"))
        .isEqualTo(
            "ALTER SESSION SET QUERY_TAG = '{\"app\":\"dbt-operator\",\"project\":\"team\\'s"
                + " \\\\\"shop\\\\\"\",\"schema\":\"marts\",\"run\":\"run-2\"}'");
  }

  @Test
  void onlyNetworkAndSessionErrorsAreTransient() {
    assertThat(SnowflakeWarehouse.isTransient(new SQLException("net", "58030", 200015))).isTrue();
    assertThat(SnowflakeWarehouse.isTransient(new SQLException("expired", "08001", 390112)))
        .isTrue();
    assertThat(SnowflakeWarehouse.isTransient(new SQLException("link", "08S01", 0))).isTrue();
    assertThat(
            SnowflakeWarehouse.isTransient(
                new SQLException(
                    "wrapped", "XX000", 1, new SQLException("closed", "08003", 200052))))
        .isTrue();
    assertThat(SnowflakeWarehouse.isTransient(new SQLException("denied", "42501", 3001))).isFalse();
    assertThat(SnowflakeWarehouse.isTransient(new SQLException("bad login", "08001", 390100)))
        .isFalse();
    assertThat(SnowflakeWarehouse.isTransient(new SQLException("syntax", "42000", 1003))).isFalse();
    assertThat(
            SnowflakeWarehouse.isTransient(
                new SQLException("Warehouse 'W' is suspended.", "57P03", 608)))
        .as("a warehouse still resuming")
        .isTrue();
    assertThat(
            SnowflakeWarehouse.isTransient(
                new SQLException(
                    "No active warehouse selected in the current session.", "57P03", 606)))
        .isFalse();
  }

  @Test
  void errorsNameSnowflakesCodeAndState() {
    assertThat(
            SnowflakeWarehouse.describe(
                new SQLException(
                    "SQL compilation error:\nSchema 'DB.LIVE' does not exist or not authorized.",
                    "02000",
                    2003)))
        .isEqualTo(
            "Snowflake error 002003 (02000): SQL compilation error: Schema 'DB.LIVE' does not"
                + " exist or not authorized.");
    assertThat(SnowflakeWarehouse.describe(new SQLException("driver closed", null, 0)))
        .isEqualTo("driver closed");
  }

  private static void assertGolden(String name, List<String> statements) throws IOException {
    String actual = String.join(";\n", statements) + ";\n";
    Path file = GOLDEN.resolve(name + ".sql");
    if (Boolean.getBoolean("dbt-operator.updateGolden")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, actual);
    }
    assertThat(file).as("golden file; regenerate with -Ddbt-operator.updateGolden=true").exists();
    assertThat(actual).isEqualTo(Files.readString(file));
  }
}
