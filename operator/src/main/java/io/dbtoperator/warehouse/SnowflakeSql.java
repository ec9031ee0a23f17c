package io.dbtoperator.warehouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.api.Identifiers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every SQL statement {@link SnowflakeWarehouse} issues, as text, so that golden tests pin them.
 *
 * <p>dbt-snowflake does not quote identifiers by default, and Snowflake folds unquoted identifiers
 * to upper case. Names are therefore validated as plain identifiers, upper-cased and double-quoted:
 * the statement addresses exactly the object dbt created, and no name can break out of its quotes.
 */
public final class SnowflakeSql {

  /** Relations the grants cover, with the keyword Snowflake uses for all and future ones. */
  public enum RelationKind {
    TABLES,
    VIEWS
  }

  /** Privileges that Snowflake accepts on views; the others exist on tables only. */
  static final Set<String> VIEW_PRIVILEGES = Set.of("SELECT", "REFERENCES");

  /** Privileges Snowflake grants on tables (OWNERSHIP is the operator's own). */
  static final Set<String> TABLE_PRIVILEGES =
      Set.of(
          "SELECT",
          "INSERT",
          "UPDATE",
          "DELETE",
          "TRUNCATE",
          "REFERENCES",
          "REBUILD",
          "EVOLVE SCHEMA");

  private static final Pattern IDENTIFIER = Pattern.compile(Identifiers.IDENTIFIER);
  private static final Pattern PRIVILEGE = Pattern.compile("^[A-Z]+( [A-Z]+)*$");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String database;

  /**
   * @param database the database of the connection, validated as an identifier
   * @param databaseField the setting it came from, named in the error when it is invalid
   */
  public SnowflakeSql(String database, String databaseField) {
    this.database = identifier(databaseField, database);
  }

  /** {@code "VALUE"}: validated as an unquoted identifier, folded to upper case and quoted. */
  public static String identifier(String field, String value) {
    if (value == null || !IDENTIFIER.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field + ": " + quoteForMessage(value) + " is not a valid identifier");
    }
    return '"' + value.toUpperCase(Locale.ROOT) + '"';
  }

  /** The name as Snowflake stores it (upper case), after the same validation. */
  public static String storedName(String field, String value) {
    String quoted = identifier(field, value);
    return quoted.substring(1, quoted.length() - 1);
  }

  /** A single-quoted string literal; Snowflake treats backslash as an escape character. */
  public static String literal(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /** A privilege name as given in a grants setting, checked and upper-cased. */
  public static String privilege(String field, String value) {
    String upper = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    if (!PRIVILEGE.matcher(upper).matches() || upper.equals("OWNERSHIP")) {
      throw new IllegalArgumentException(
          field + ": " + quoteForMessage(value) + " is not a privilege the operator grants");
    }
    return upper;
  }

  public String schema(String schema) {
    return database + "." + identifier("schema", schema);
  }

  public String queryTag(String project, String schema, String runId) {
    Map<String, String> tag = new LinkedHashMap<>();
    tag.put("app", "dbt-operator");
    tag.put("project", project);
    tag.put("schema", schema);
    tag.put("run", runId);
    try {
      return "ALTER SESSION SET QUERY_TAG = " + literal(JSON.writeValueAsString(tag));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serializes", e);
    }
  }

  public String createSchemaIfNotExists(String schema) {
    return "CREATE SCHEMA IF NOT EXISTS " + schema(schema);
  }

  public String createSchemaIfNotExists(String schema, SchemaTag tag) {
    return createSchemaIfNotExists(schema) + " COMMENT = " + literal(tag.toComment());
  }

  /** Zero-copy clone of the whole schema; replaces whatever the target held. */
  public String cloneSchema(String target, String source) {
    return "CREATE OR REPLACE SCHEMA " + schema(target) + " CLONE " + schema(source);
  }

  /**
   * Zero-copy clone of one table; replaces whatever the target held. Without COPY GRANTS: staging
   * gets the desired grants before the swap, not live's.
   */
  public String cloneTable(String targetSchema, String sourceSchema, String table) {
    String name = identifier("relation", table);
    return "CREATE OR REPLACE TABLE "
        + schema(targetSchema)
        + "."
        + name
        + " CLONE "
        + schema(sourceSchema)
        + "."
        + name;
  }

  public String setComment(String schema, SchemaTag tag) {
    return "ALTER SCHEMA " + schema(schema) + " SET COMMENT = " + literal(tag.toComment());
  }

  public String swap(String staging, String live) {
    return "ALTER SCHEMA " + schema(staging) + " SWAP WITH " + schema(live);
  }

  /** A staging schema to make live, as {@link #swapTogether} needs it. */
  public record Swap(String staging, String live, boolean liveExists, SchemaTag liveTag) {}

  /**
   * The statements that make several stagings live as one unit: first every staging's LIVE tag,
   * then every {@code SWAP WITH} (or {@code RENAME TO} for a first deploy) one right after the
   * other. Snowflake DDL commits on its own, so nothing may run between the swaps: that keeps the
   * window in which readers see some schemas swapped and others not to the time between two
   * statements.
   */
  public List<String> swapTogether(List<Swap> swaps) {
    List<String> statements = new ArrayList<>();
    for (Swap swap : swaps) {
      statements.add(setComment(swap.staging(), swap.liveTag()));
    }
    for (Swap swap : swaps) {
      statements.add(
          swap.liveExists()
              ? swap(swap.staging(), swap.live())
              : rename(swap.staging(), swap.live()));
    }
    return statements;
  }

  public String rename(String from, String to) {
    return "ALTER SCHEMA " + schema(from) + " RENAME TO " + schema(to);
  }

  public String dropSchema(String schema) {
    return "DROP SCHEMA IF EXISTS " + schema(schema) + " CASCADE";
  }

  /**
   * Drops the schema with what it holds, but with RESTRICT: a foreign key from another schema keeps
   * it. Snowflake does not track views for DROP, so {@link #selectViewsReading} is asked first.
   */
  public String dropSchemaRestrict(String schema) {
    return "DROP SCHEMA IF EXISTS " + schema(schema) + " RESTRICT";
  }

  /**
   * Views and materialized views outside the schema that read one of its objects, as {@code
   * SCHEMA.VIEW} ({@code DATABASE.SCHEMA.VIEW} in another database). ACCOUNT_USAGE is the only
   * place Snowflake records dependencies; it lags by up to three hours, so a view created that
   * recently can be missing.
   */
  public String selectViewsReading(String schema) {
    String stored = literal(storedName("schema", schema));
    String databaseName = literal(database.substring(1, database.length() - 1));
    return "SELECT DISTINCT CASE WHEN REFERENCING_DATABASE = "
        + databaseName
        + " THEN '' ELSE REFERENCING_DATABASE || '.' END || REFERENCING_SCHEMA || '.' ||"
        + " REFERENCING_OBJECT_NAME AS READER FROM SNOWFLAKE.ACCOUNT_USAGE.OBJECT_DEPENDENCIES"
        + " WHERE REFERENCED_DATABASE = "
        + databaseName
        + " AND REFERENCED_SCHEMA = "
        + stored
        + " AND REFERENCING_OBJECT_DOMAIN IN ('VIEW', 'MATERIALIZED VIEW')"
        + " AND NOT (REFERENCING_DATABASE = "
        + databaseName
        + " AND REFERENCING_SCHEMA = "
        + stored
        + ") ORDER BY READER";
  }

  /** One schema with its comment; no row when it does not exist. */
  public String selectSchema(String schema) {
    return "SELECT SCHEMA_NAME, COMMENT FROM "
        + database
        + ".INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = "
        + literal(storedName("schema", schema));
  }

  /** Schemas whose comment carries an operator tag. */
  public String selectTaggedSchemas() {
    return "SELECT SCHEMA_NAME, COMMENT FROM "
        + database
        + ".INFORMATION_SCHEMA.SCHEMATA WHERE COMMENT LIKE "
        + literal(SchemaTag.PREFIX + " %")
        + " ORDER BY SCHEMA_NAME";
  }

  /** Columns privilege, granted_to, grantee_name (SHOW output). */
  public String showGrantsOnSchema(String schema) {
    return "SHOW GRANTS ON SCHEMA " + schema(schema);
  }

  /** Columns privilege, grant_on (TABLE or VIEW), grantee_name (SHOW output). */
  public String showFutureGrantsInSchema(String schema) {
    return "SHOW FUTURE GRANTS IN SCHEMA " + schema(schema);
  }

  /**
   * Grants on the schema's existing tables and views, one query for the whole schema rather than
   * one SHOW GRANTS per relation.
   */
  public String selectRelationPrivileges(String schema) {
    return "SELECT TABLE_NAME, GRANTEE, PRIVILEGE_TYPE FROM "
        + database
        + ".INFORMATION_SCHEMA.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = "
        + literal(storedName("schema", schema))
        + " ORDER BY TABLE_NAME, GRANTEE, PRIVILEGE_TYPE";
  }

  /** The schema's relations with TABLE_TYPE BASE TABLE or VIEW (and others dbt does not make). */
  public String selectRelations(String schema) {
    return "SELECT TABLE_NAME, TABLE_TYPE FROM "
        + database
        + ".INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = "
        + literal(storedName("schema", schema))
        + " ORDER BY TABLE_NAME";
  }

  public String grantUsage(String schema, String role) {
    return "GRANT USAGE ON SCHEMA " + schema(schema) + " TO ROLE " + identifier("role", role);
  }

  public String revokeUsage(String schema, String role) {
    return "REVOKE USAGE ON SCHEMA " + schema(schema) + " FROM ROLE " + identifier("role", role);
  }

  public String grantOnAll(String privilege, RelationKind kind, String schema, String role) {
    return onRelations("GRANT", privilege, "ALL", kind, schema, "TO", role);
  }

  public String grantOnFuture(String privilege, RelationKind kind, String schema, String role) {
    return onRelations("GRANT", privilege, "FUTURE", kind, schema, "TO", role);
  }

  public String revokeOnAll(String privilege, RelationKind kind, String schema, String role) {
    return onRelations("REVOKE", privilege, "ALL", kind, schema, "FROM", role);
  }

  public String revokeOnFuture(String privilege, RelationKind kind, String schema, String role) {
    return onRelations("REVOKE", privilege, "FUTURE", kind, schema, "FROM", role);
  }

  /**
   * The statements that apply a drift: for each granted privilege, on all and future tables (and
   * views, where Snowflake has the privilege), plus USAGE on the schema first; for each revoked one
   * the reverse, and USAGE last for a role that keeps no privilege. Every statement is idempotent,
   * so a partly applied drift is finished by applying it again.
   *
   * @param keptRoles roles that still hold privileges after the drift, whose USAGE stays
   */
  public List<String> applyDrift(String schema, GrantDrift drift, Set<String> keptRoles) {
    List<String> statements = new ArrayList<>();
    drift
        .granted()
        .privilegesByRole()
        .forEach(
            (role, privileges) -> {
              statements.add(grantUsage(schema, role));
              for (String privilege : privileges) {
                if (privilege.equals("USAGE")) {
                  continue;
                }
                for (RelationKind kind : kindsFor(privilege)) {
                  statements.add(grantOnAll(privilege, kind, schema, role));
                  statements.add(grantOnFuture(privilege, kind, schema, role));
                }
              }
            });
    drift
        .revoked()
        .privilegesByRole()
        .forEach(
            (role, privileges) -> {
              for (String privilege : privileges) {
                if (privilege.equals("USAGE")) {
                  continue;
                }
                for (RelationKind kind : kindsFor(privilege)) {
                  statements.add(revokeOnFuture(privilege, kind, schema, role));
                  statements.add(revokeOnAll(privilege, kind, schema, role));
                }
              }
              if (!keptRoles.contains(role)) {
                statements.add(revokeUsage(schema, role));
              }
            });
    return statements;
  }

  static List<RelationKind> kindsFor(String privilege) {
    return VIEW_PRIVILEGES.contains(privilege)
        ? List.of(RelationKind.TABLES, RelationKind.VIEWS)
        : List.of(RelationKind.TABLES);
  }

  private String onRelations(
      String verb,
      String privilege,
      String scope,
      RelationKind kind,
      String schema,
      String preposition,
      String role) {
    return verb
        + " "
        + privilege("privilege", privilege)
        + " ON "
        + scope
        + " "
        + kind
        + " IN SCHEMA "
        + schema(schema)
        + " "
        + preposition
        + " ROLE "
        + identifier("role", role);
  }

  private static String quoteForMessage(String value) {
    return value == null ? "null" : '"' + value.replace("\"", "\\\"") + '"';
  }
}
