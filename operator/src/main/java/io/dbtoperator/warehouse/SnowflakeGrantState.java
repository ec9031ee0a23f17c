package io.dbtoperator.warehouse;

import io.dbtoperator.warehouse.SnowflakeSql.RelationKind;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The grants found on one schema: USAGE on it, privileges on each existing relation, and future
 * grants. Role and privilege names are upper case, as Snowflake reports them; OWNERSHIP is never
 * included.
 *
 * @param usageRoles roles with USAGE on the schema
 * @param relationKinds each relation of the schema and whether it is a table or a view
 * @param relationGrants privileges by role, by relation
 * @param futureGrants privileges by role that future relations of each kind receive
 */
record SnowflakeGrantState(
    Set<String> usageRoles,
    Map<String, RelationKind> relationKinds,
    Map<String, Map<String, Set<String>>> relationGrants,
    Map<RelationKind, Map<String, Set<String>>> futureGrants) {

  /**
   * The state from the rows Snowflake returns, each row by lower-case column name: {@code SHOW
   * GRANTS ON SCHEMA} (privilege, granted_to, grantee_name), {@code SHOW FUTURE GRANTS IN SCHEMA}
   * (privilege, grant_on, grant_to, grantee_name), the schema's relations (table_name, table_type)
   * and their privileges (table_name, grantee, privilege_type). Only grants to roles count: grants
   * to shares, users and database roles are not the operator's to manage, nor is OWNERSHIP.
   */
  static SnowflakeGrantState fromRows(
      List<Map<String, String>> schemaGrants,
      List<Map<String, String>> futureGrantRows,
      List<Map<String, String>> relations,
      List<Map<String, String>> relationPrivileges) {
    Set<String> usage = new HashSet<>();
    for (Map<String, String> row : schemaGrants) {
      if ("USAGE".equals(row.get("privilege")) && "ROLE".equals(row.get("granted_to"))) {
        usage.add(row.get("grantee_name"));
      }
    }
    Map<RelationKind, Map<String, Set<String>>> future = new HashMap<>();
    for (Map<String, String> row : futureGrantRows) {
      RelationKind kind = kindOf(row.get("grant_on"));
      if (kind != null && "ROLE".equals(row.get("grant_to"))) {
        addPrivilege(
            future.computeIfAbsent(kind, k -> new HashMap<>()),
            row.get("grantee_name"),
            row.get("privilege"));
      }
    }
    Map<String, RelationKind> kinds = new HashMap<>();
    for (Map<String, String> row : relations) {
      RelationKind kind = kindOf(row.get("table_type"));
      if (kind != null) {
        kinds.put(row.get("table_name"), kind);
      }
    }
    Map<String, Map<String, Set<String>>> granted = new HashMap<>();
    for (Map<String, String> row : relationPrivileges) {
      addPrivilege(
          granted.computeIfAbsent(row.get("table_name"), r -> new HashMap<>()),
          row.get("grantee"),
          row.get("privilege_type"));
    }
    return new SnowflakeGrantState(usage, kinds, granted, future);
  }

  private static void addPrivilege(Map<String, Set<String>> byRole, String role, String privilege) {
    if (!"OWNERSHIP".equals(privilege)) {
      byRole.computeIfAbsent(role, r -> new HashSet<>()).add(privilege);
    }
  }

  /** TABLE and BASE TABLE are tables, VIEW is a view; other kinds dbt does not build. */
  static RelationKind kindOf(String type) {
    return switch (type == null ? "" : type) {
      case "TABLE", "BASE TABLE" -> RelationKind.TABLES;
      case "VIEW" -> RelationKind.VIEWS;
      default -> null;
    };
  }

  /**
   * What roles hold: a privilege counts when any relation or future grant has it, so that a partial
   * grant is still revoked when undesired. A role with USAGE and nothing else holds "USAGE".
   */
  SchemaGrants held() {
    SortedMap<String, SortedSet<String>> byRole = new TreeMap<>();
    relationGrants.values().forEach(grants -> addAll(byRole, grants));
    futureGrants.values().forEach(grants -> addAll(byRole, grants));
    for (String role : usageRoles) {
      byRole.computeIfAbsent(role, r -> new TreeSet<>(Set.of("USAGE")));
    }
    return new SchemaGrants(byRole);
  }

  /**
   * The drift to {@code desired}: granted lists each desired privilege not yet on the schema, on
   * every relation it applies to and in the future grants of each kind; revoked lists each held
   * privilege not desired.
   */
  GrantDrift driftTo(SchemaGrants desired) {
    SortedMap<String, SortedSet<String>> missing = new TreeMap<>();
    desired
        .privilegesByRole()
        .forEach(
            (role, privileges) -> {
              for (String privilege : privileges) {
                if (!complete(role, privilege)) {
                  missing.computeIfAbsent(role, r -> new TreeSet<>()).add(privilege);
                }
              }
            });
    SortedMap<String, SortedSet<String>> extra = new TreeMap<>();
    held()
        .driftTo(desired)
        .revoked()
        .privilegesByRole()
        .forEach(
            (role, privileges) -> {
              SortedSet<String> revoke = new TreeSet<>(privileges);
              if (desired.privilegesByRole().containsKey(role)) {
                revoke.remove("USAGE");
              }
              if (!revoke.isEmpty()) {
                extra.put(role, revoke);
              }
            });
    return new GrantDrift(new SchemaGrants(missing), new SchemaGrants(extra));
  }

  private boolean complete(String role, String privilege) {
    if (!usageRoles.contains(role)) {
      return false;
    }
    if (privilege.equals("USAGE")) {
      return true;
    }
    for (RelationKind kind : SnowflakeSql.kindsFor(privilege)) {
      if (!futureGrants
          .getOrDefault(kind, Map.of())
          .getOrDefault(role, Set.of())
          .contains(privilege)) {
        return false;
      }
    }
    for (Map.Entry<String, RelationKind> relation : relationKinds.entrySet()) {
      boolean applies = SnowflakeSql.kindsFor(privilege).contains(relation.getValue());
      boolean granted =
          relationGrants
              .getOrDefault(relation.getKey(), Map.of())
              .getOrDefault(role, Set.of())
              .contains(privilege);
      if (applies && !granted) {
        return false;
      }
    }
    return true;
  }

  private static void addAll(
      SortedMap<String, SortedSet<String>> byRole, Map<String, Set<String>> grants) {
    grants.forEach(
        (role, privileges) ->
            byRole.computeIfAbsent(role, r -> new TreeSet<>()).addAll(privileges));
  }
}
