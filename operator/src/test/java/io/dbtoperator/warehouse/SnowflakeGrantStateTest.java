package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Drift computed from the rows Snowflake returns for SHOW GRANTS ON SCHEMA, SHOW FUTURE GRANTS IN
 * SCHEMA, INFORMATION_SCHEMA.TABLES and INFORMATION_SCHEMA.TABLE_PRIVILEGES, with the columns and
 * values Snowflake's documentation lists for them.
 */
class SnowflakeGrantStateTest {
  private static final String OPERATOR = "DBT_OPERATOR";

  private static final List<Map<String, String>> RELATIONS =
      List.of(
          row("table_name", "ORDERS", "table_type", "BASE TABLE"),
          row("table_name", "ORDER_EVENTS", "table_type", "BASE TABLE"),
          row("table_name", "BIG_ORDERS", "table_type", "VIEW"));

  private static Map<String, String> row(String... keysAndValues) {
    Map<String, String> row = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static Map<String, String> schemaGrant(String privilege, String to, String grantee) {
    return row(
        "created_on",
        "2026-11-21 10:00:00.000 -0800",
        "privilege",
        privilege,
        "granted_on",
        "SCHEMA",
        "name",
        "ANALYTICS_DB.MARTS",
        "granted_to",
        to,
        "grantee_name",
        grantee,
        "grant_option",
        "false",
        "granted_by",
        OPERATOR);
  }

  private static Map<String, String> futureGrant(String privilege, String on, String grantee) {
    return row(
        "created_on",
        "2026-11-21 10:00:00.000 -0800",
        "privilege",
        privilege,
        "grant_on",
        on,
        "name",
        "ANALYTICS_DB.MARTS.<" + on + ">",
        "grant_to",
        "ROLE",
        "grantee_name",
        grantee,
        "grant_option",
        "false");
  }

  private static Map<String, String> relationGrant(String table, String grantee, String privilege) {
    return row("table_name", table, "grantee", grantee, "privilege_type", privilege);
  }

  /** The exact grants for REPORTER: SELECT, and the operator's own OWNERSHIP around them. */
  private static List<List<Map<String, String>>> exact() {
    return List.of(
        List.of(
            schemaGrant("OWNERSHIP", "ROLE", OPERATOR), schemaGrant("USAGE", "ROLE", "REPORTER")),
        List.of(
            futureGrant("SELECT", "TABLE", "REPORTER"), futureGrant("SELECT", "VIEW", "REPORTER")),
        RELATIONS,
        List.of(
            relationGrant("BIG_ORDERS", OPERATOR, "OWNERSHIP"),
            relationGrant("BIG_ORDERS", "REPORTER", "SELECT"),
            relationGrant("ORDERS", OPERATOR, "OWNERSHIP"),
            relationGrant("ORDERS", "REPORTER", "SELECT"),
            relationGrant("ORDER_EVENTS", OPERATOR, "OWNERSHIP"),
            relationGrant("ORDER_EVENTS", "REPORTER", "SELECT")));
  }

  private static SnowflakeGrantState state(List<List<Map<String, String>>> rows) {
    return SnowflakeGrantState.fromRows(rows.get(0), rows.get(1), rows.get(2), rows.get(3));
  }

  private static final SchemaGrants DESIRED =
      SchemaGrants.of(Map.of("reporter", List.of("SELECT")));

  @Test
  void exactGrantsHaveNoDriftAndOwnershipIsNotCounted() {
    SnowflakeGrantState state = state(exact());

    assertThat(state.driftTo(DESIRED).isEmpty()).isTrue();
    assertThat(state.held()).isEqualTo(DESIRED);
  }

  @Test
  void aSwappedInSchemaMissingFutureViewGrantsAndATableGrantIsGrantedAgain() {
    // What a swap can leave: the future grants on views gone and a table that never got SELECT.
    List<List<Map<String, String>>> rows = new java.util.ArrayList<>(exact());
    rows.set(1, List.of(futureGrant("SELECT", "TABLE", "REPORTER")));
    rows.set(
        3,
        List.of(
            relationGrant("BIG_ORDERS", "REPORTER", "SELECT"),
            relationGrant("ORDERS", "REPORTER", "SELECT")));

    GrantDrift drift = state(rows).driftTo(DESIRED);

    assertThat(drift.describe()).isEqualTo("granted REPORTER: SELECT");
    assertThat(
            new SnowflakeSql("analytics_db", "database")
                .applyDrift("marts", drift, Set.of("REPORTER")))
        .containsExactly(
            "GRANT USAGE ON SCHEMA \"ANALYTICS_DB\".\"MARTS\" TO ROLE \"REPORTER\"",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \"ANALYTICS_DB\".\"MARTS\" TO ROLE \"REPORTER\"",
            "GRANT SELECT ON FUTURE TABLES IN SCHEMA \"ANALYTICS_DB\".\"MARTS\" TO ROLE \"REPORTER\"",
            "GRANT SELECT ON ALL VIEWS IN SCHEMA \"ANALYTICS_DB\".\"MARTS\" TO ROLE \"REPORTER\"",
            "GRANT SELECT ON FUTURE VIEWS IN SCHEMA \"ANALYTICS_DB\".\"MARTS\" TO ROLE \"REPORTER\"");
  }

  @Test
  void extraGrantsToRolesAreRevokedAndGrantsToSharesAndDatabaseRolesAreLeft() {
    List<List<Map<String, String>>> rows = new java.util.ArrayList<>(exact());
    rows.set(
        0,
        List.of(
            schemaGrant("OWNERSHIP", "ROLE", OPERATOR),
            schemaGrant("USAGE", "ROLE", "REPORTER"),
            schemaGrant("USAGE", "ROLE", "INTRUDER"),
            schemaGrant("USAGE", "SHARE", "PARTNER_SHARE"),
            schemaGrant("USAGE", "DATABASE_ROLE", "ANALYTICS_DB.READER")));
    List<Map<String, String>> privileges = new java.util.ArrayList<>(exact().get(3));
    privileges.add(relationGrant("ORDERS", "REPORTER", "INSERT"));
    privileges.add(relationGrant("ORDER_EVENTS", "INTRUDER", "SELECT"));
    rows.set(3, privileges);

    GrantDrift drift = state(rows).driftTo(DESIRED);

    assertThat(drift.describe()).isEqualTo("revoked INTRUDER: SELECT, REPORTER: INSERT");
    assertThat(drift.granted().privilegesByRole()).isEmpty();
  }
}
