package io.dbtoperator.warehouse;

import static io.dbtoperator.warehouse.PostgresSession.quote;
import static io.dbtoperator.warehouse.PostgresSession.role;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Grants on PostgreSQL, schema by schema: what roles hold on every relation of a schema (with USAGE
 * on it), and the grants and revokes that bring it to what the DbtSchema asks, with the schema's
 * default privileges, so that relations a later run creates carry them too.
 */
final class PostgresGrants {

  /** Privileges Postgres grants on tables and views. */
  static final Set<String> TABLE_PRIVILEGES =
      Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER");

  private final PostgresSession session;

  PostgresGrants(PostgresSession session) {
    this.session = session;
  }

  GrantDrift apply(String schema, SchemaGrants desired) {
    for (var entry : desired.privilegesByRole().entrySet()) {
      for (String privilege : entry.getValue()) {
        if (!TABLE_PRIVILEGES.contains(privilege)) {
          throw new WarehouseException(
              "grants of "
                  + schema
                  + ": role "
                  + entry.getKey()
                  + ": unknown privilege "
                  + privilege
                  + "; expected one of "
                  + new TreeSet<>(TABLE_PRIVILEGES));
        }
      }
    }
    GrantReading held = readGrants(schema);
    GrantDrift drift =
        new GrantDrift(
            held.everywhere().driftTo(desired).granted(),
            held.anywhere().driftTo(desired).revoked());
    if (drift.isEmpty()) {
      return drift;
    }
    session.inTransaction(
        "apply grants on " + schema,
        statement -> {
          String target = quote(schema);
          for (var entry : drift.revoked().privilegesByRole().entrySet()) {
            String role = role(entry.getKey());
            String privileges = String.join(", ", entry.getValue());
            statement.execute(
                "revoke " + privileges + " on all tables in schema " + target + " from " + role);
            statement.execute(
                "alter default privileges in schema "
                    + target
                    + " revoke "
                    + privileges
                    + " on tables from "
                    + role);
            if (!desired.privilegesByRole().containsKey(entry.getKey())) {
              statement.execute("revoke usage on schema " + target + " from " + role);
            }
          }
          for (var entry : drift.granted().privilegesByRole().entrySet()) {
            String role = role(entry.getKey());
            String privileges = String.join(", ", entry.getValue());
            statement.execute("grant usage on schema " + target + " to " + role);
            statement.execute(
                "grant " + privileges + " on all tables in schema " + target + " to " + role);
            statement.execute(
                "alter default privileges in schema "
                    + target
                    + " grant "
                    + privileges
                    + " on tables to "
                    + role);
          }
        });
    return drift;
  }

  SchemaGrants current(String schema) {
    return readGrants(schema).everywhere();
  }

  /**
   * @param everywhere privileges a role holds on every relation of the schema, with USAGE on it
   * @param anywhere privileges a role holds on at least one relation
   */
  private record GrantReading(SchemaGrants everywhere, SchemaGrants anywhere) {}

  private GrantReading readGrants(String schema) {
    String relationsSql =
        """
        select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'v', 'm', 'p', 'f')
        """;
    String privilegesSql =
        """
        select r.rolname, a.privilege_type, count(distinct c.oid)
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(c.relacl) a
        join pg_roles r on r.oid = a.grantee
        where n.nspname = ? and c.relkind in ('r', 'v', 'm', 'p', 'f') and a.grantee <> c.relowner
        group by 1, 2
        """;
    String usageSql =
        """
        select r.rolname
        from pg_namespace n
        cross join lateral aclexplode(n.nspacl) a
        join pg_roles r on r.oid = a.grantee
        where n.nspname = ? and a.privilege_type = 'USAGE' and a.grantee <> n.nspowner
        """;
    String what = "read grants of " + schema;
    long relations =
        session.query(
            what, relationsSql, List.of(schema), rows -> rows.next() ? rows.getLong(1) : 0L);
    Set<String> usage =
        session.query(
            what,
            usageSql,
            List.of(schema),
            rows -> {
              Set<String> roles = new TreeSet<>();
              while (rows.next()) {
                roles.add(rows.getString(1).toUpperCase(Locale.ROOT));
              }
              return roles;
            });
    SortedMap<String, SortedSet<String>> everywhere = new TreeMap<>();
    SortedMap<String, SortedSet<String>> anywhere = new TreeMap<>();
    session.query(
        what,
        privilegesSql,
        List.of(schema),
        rows -> {
          while (rows.next()) {
            String role = rows.getString(1).toUpperCase(Locale.ROOT);
            String privilege = rows.getString(2);
            anywhere.computeIfAbsent(role, r -> new TreeSet<>()).add(privilege);
            if (rows.getLong(3) == relations && usage.contains(role)) {
              everywhere.computeIfAbsent(role, r -> new TreeSet<>()).add(privilege);
            }
          }
          return null;
        });
    return new GrantReading(new SchemaGrants(everywhere), new SchemaGrants(anywhere));
  }
}
