package io.dbtoperator.warehouse;

import io.dbtoperator.api.Identifiers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warehouse on PostgreSQL. Schema names are used as dbt-postgres uses them: quoted, case kept.
 * Role names are folded to lowercase, as Postgres folds the unquoted names users write.
 *
 * <p>Postgres binds views to the objects they read, not to their names. That keeps views inside a
 * swapped schema correct, but leaves views in other schemas reading the old version; {@link #swap}
 * therefore re-creates those views from their own definition in the same transaction.
 */
public final class PostgresWarehouse implements Warehouse {

  /** Privileges Postgres grants on tables and views. */
  static final Set<String> TABLE_PRIVILEGES =
      Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER");

  private static final Logger LOG = LoggerFactory.getLogger(PostgresWarehouse.class);

  private static final Pattern IDENTIFIER = Pattern.compile(Identifiers.IDENTIFIER);

  /** First key of the two-key advisory lock that serialises swaps; the second is the schema. */
  private static final int SWAP_LOCK_NAMESPACE = 0x64627430;

  /**
   * Joins views (v) of other schemas to the relations (t) of schema ? they read; the schema name is
   * bound twice. Postgres records what a view reads as dependencies of its rewrite rule.
   */
  private static final String VIEWS_READING =
      """
      from pg_depend d
      join pg_rewrite r on r.oid = d.objid and d.classid = 'pg_rewrite'::regclass
      join pg_class v on v.oid = r.ev_class
      join pg_namespace vn on vn.oid = v.relnamespace
      join pg_class t on t.oid = d.refobjid and d.refclassid = 'pg_class'::regclass
      join pg_namespace tn on tn.oid = t.relnamespace
      where tn.nspname = ? and vn.nspname <> ?""";

  private final PostgresSettings settings;
  private final Connection connection;
  private final String project;
  private final Clock clock;
  private final Consumer<String> notices;

  /**
   * @param project the project key written into schema tags
   * @param notices receives what a swap or a grant had to repair, for the run log
   */
  public PostgresWarehouse(
      PostgresSettings settings, String project, Clock clock, Consumer<String> notices) {
    this.settings = settings;
    this.project = project;
    this.clock = clock;
    this.notices = notices;
    try {
      this.connection = DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
    } catch (SQLException e) {
      throw new WarehouseException("cannot connect to " + settings + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void ensureSchema(String schema) {
    execute("ensure schema " + schema, "create schema if not exists " + quote(schema));
  }

  @Override
  public boolean schemaExists(String schema) {
    return query(
        "look up schema " + schema,
        "select 1 from pg_namespace where nspname = ?",
        List.of(schema),
        ResultSet::next);
  }

  @Override
  public void createStaging(StagingSchema staging) {
    String name = staging.name();
    SchemaTag tag =
        new SchemaTag(
            staging.project(), staging.live(), staging.runId(), SchemaTag.Role.STAGING, now());
    inTransaction(
        "create staging schema " + name,
        statement -> {
          statement.execute("drop schema if exists " + quote(name) + " cascade");
          statement.execute("create schema " + quote(name));
          statement.execute(comment(name, tag));
        });
  }

  /**
   * Copies each table on its own connection, several at once, each in its own transaction: a copy
   * is a full read and write of the table, and the copies do not depend on each other. Nothing of
   * this needs the swap's transaction, since staging is not visible to readers until the swap.
   */
  @Override
  public void cloneLive(StagingSchema staging, List<String> keepRelations, boolean wholeSchema) {
    if (wholeSchema) {
      throw new IllegalArgumentException("PostgreSQL has no whole-schema clone");
    }
    List<String> tables = existingTables(staging.live(), keepRelations);
    ConcurrentClones.run(
        "clone " + staging.live() + " into " + staging.name(),
        tables,
        () -> {
          Connection session =
              DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
          return new ConcurrentClones.Session() {
            @Override
            public void clone(String table) throws SQLException {
              String target = quote(staging.name()) + "." + quote(table);
              session.setAutoCommit(false);
              try (Statement statement = session.createStatement()) {
                statement.execute("drop table if exists " + target);
                statement.execute(
                    "create table "
                        + target
                        + " as table "
                        + quote(staging.live())
                        + "."
                        + quote(table));
                session.commit();
              } catch (SQLException e) {
                session.rollback();
                throw e;
              }
            }

            @Override
            public void close() {
              try {
                session.close();
              } catch (SQLException e) {
                // The clones are committed; a failed close only loses the connection.
                LOG.warn("closing a clone connection failed: {}", e.getMessage());
              }
            }
          };
        },
        SQLException::getMessage);
  }

  @Override
  public boolean canCloneWholeSchema() {
    return false;
  }

  @Override
  public boolean swap(StagingSchema staging) {
    return swapTogether(List.of(staging));
  }

  /** All the exchanges in one transaction: readers see every schema swapped or none. */
  @Override
  public boolean swapTogether(List<StagingSchema> stagings) {
    List<Exchange> exchanges = new ArrayList<>();
    for (StagingSchema staging : stagings) {
      exchanges.add(
          new Exchange(
              staging.live(),
              staging.name(),
              new SchemaTag(
                  staging.project(), staging.live(), staging.runId(), SchemaTag.Role.LIVE, now())));
    }
    return exchange(exchanges);
  }

  @Override
  public boolean restore(String liveSchema, OwnedSchema previous) {
    return exchange(
        List.of(
            new Exchange(
                liveSchema, previous.name(), previous.tag().withRole(SchemaTag.Role.LIVE, now()))));
  }

  /** One schema to make live: the candidate takes the live name, tagged {@code newLiveTag}. */
  private record Exchange(String live, String candidate, SchemaTag newLiveTag) {}

  /**
   * Makes each candidate the live schema, all in one transaction: three renames when live exists
   * (live to a temporary name, candidate to live, temporary to the candidate's name), tags on both,
   * and the re-binding of views outside the exchanged schemas that read an old live version. A live
   * schema that already carries its candidate's run was swapped by an earlier attempt and is left.
   *
   * @return false when every live schema was already swapped
   */
  private boolean exchange(List<Exchange> exchanges) {
    String what =
        "swap "
            + String.join(
                ", ", exchanges.stream().map(e -> e.candidate() + " with " + e.live()).toList());
    try {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        // Sorted, so that two transactions locking overlapping groups cannot deadlock.
        for (String live : new TreeSet<>(exchanges.stream().map(Exchange::live).toList())) {
          lockSwaps(live);
        }
        List<Exchange> pending = new ArrayList<>();
        Map<String, Optional<SchemaTag>> liveTags = new HashMap<>();
        for (Exchange exchange : exchanges) {
          Optional<SchemaTag> liveTag = tag(exchange.live());
          if (liveTag.isEmpty() || !liveTag.get().runId().equals(exchange.newLiveTag().runId())) {
            if (!schemaExists(exchange.candidate())) {
              throw new WarehouseException(
                  what + ": schema " + exchange.candidate() + " does not exist");
            }
            pending.add(exchange);
            liveTags.put(exchange.live(), liveTag);
          }
        }
        if (pending.isEmpty()) {
          connection.rollback();
          return false;
        }
        Set<String> exchanged = new TreeSet<>(pending.stream().map(Exchange::live).toList());
        // Each view once, with the first exchanged schema it reads, for the notices.
        Map<DependentView, String> dependents = new LinkedHashMap<>();
        for (Exchange exchange : pending) {
          if (schemaExists(exchange.live())) {
            // A view inside another exchanged schema comes with that schema's new version.
            for (DependentView view : viewsOutsideReading(exchange.live())) {
              if (!exchanged.contains(view.schema())) {
                dependents.putIfAbsent(view, exchange.live());
              }
            }
          }
        }
        for (Exchange exchange : pending) {
          rename(statement, exchange, liveTags.get(exchange.live()));
        }
        rebind(statement, dependents);
        connection.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  private void rename(Statement statement, Exchange exchange, Optional<SchemaTag> liveTag)
      throws SQLException {
    String live = exchange.live();
    String candidate = exchange.candidate();
    if (!schemaExists(live)) {
      statement.execute("alter schema " + quote(candidate) + " rename to " + quote(live));
      statement.execute(comment(live, exchange.newLiveTag()));
      return;
    }
    // Short, so that Postgres never truncates it onto another name; unique per live schema.
    String parked = "dbtop_swap_" + Integer.toHexString(live.hashCode());
    statement.execute("alter schema " + quote(live) + " rename to " + quote(parked));
    statement.execute("alter schema " + quote(candidate) + " rename to " + quote(live));
    statement.execute("alter schema " + quote(parked) + " rename to " + quote(candidate));
    statement.execute(comment(live, exchange.newLiveTag()));
    SchemaTag previousTag =
        liveTag
            .orElseGet(() -> new SchemaTag(project, live, "adopted", SchemaTag.Role.LIVE, now()))
            .withRole(SchemaTag.Role.PREVIOUS, now());
    statement.execute(comment(candidate, previousTag));
  }

  private void lockSwaps(String live) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("select pg_advisory_xact_lock(?, hashtext(?))")) {
      lock.setInt(1, SWAP_LOCK_NAMESPACE);
      lock.setString(2, live);
      lock.execute();
    }
  }

  private record DependentView(String schema, String name, String kind, String definition) {}

  /**
   * Views and materialized views outside {@code schema} that read one of its relations, with their
   * definition rendered under an empty search path so that every name in it is schema-qualified.
   */
  private List<DependentView> viewsOutsideReading(String schema) throws SQLException {
    String sql =
        """
        select distinct vn.nspname, v.relname, v.relkind, pg_get_viewdef(v.oid)
        """
            + VIEWS_READING
            + """
             and v.oid <> t.oid
            order by 1, 2
            """;
    try (Statement statement = connection.createStatement()) {
      statement.execute("set local search_path = ''");
    }
    List<DependentView> views = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, schema);
      query.setString(2, schema);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          views.add(
              new DependentView(
                  rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4)));
        }
      }
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("set local search_path to default");
    }
    return views;
  }

  /**
   * Re-creates each dependent view so it reads the new live version. A view that no longer fits (a
   * column it reads is gone) keeps reading the previous version, and the notice says so; its own
   * schema's next deploy rebuilds it.
   */
  private void rebind(Statement statement, Map<DependentView, String> views) throws SQLException {
    for (Map.Entry<DependentView, String> entry : views.entrySet()) {
      DependentView view = entry.getKey();
      String live = entry.getValue();
      String name = quote(view.schema()) + "." + quote(view.name());
      if (!view.kind().equals("v")) {
        notices.accept(
            "materialized view "
                + name
                + " still holds data of the previous "
                + live
                + "; refresh its schema");
        continue;
      }
      Savepoint savepoint = connection.setSavepoint();
      try {
        statement.execute("create or replace view " + name + " as " + view.definition());
        connection.releaseSavepoint(savepoint);
        notices.accept("view " + name + " now reads the new " + live);
      } catch (SQLException e) {
        connection.rollback(savepoint);
        notices.accept(
            "view "
                + name
                + " still reads the previous "
                + live
                + ": "
                + e.getMessage()
                + "; deploy "
                + view.schema()
                + " to rebuild it");
      }
    }
  }

  @Override
  public GrantDrift applyGrants(String schema, SchemaGrants desired) {
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
    inTransaction(
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

  @Override
  public SchemaGrants currentGrants(String schema) {
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
        query(what, relationsSql, List.of(schema), rows -> rows.next() ? rows.getLong(1) : 0L);
    Set<String> usage =
        query(
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
    query(
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

  @Override
  public void drop(String schema) {
    List<String> readers = dropUnlessRead(schema);
    if (!readers.isEmpty()) {
      throw new WarehouseException(
          "drop " + schema + ": kept, because views in other schemas still read it: " + readers);
    }
  }

  @Override
  public List<String> viewsReading(String schema) {
    return query(
        "check what reads " + schema,
        "select distinct vn.nspname || '.' || v.relname " + VIEWS_READING + " order by 1",
        List.of(schema, schema),
        PostgresWarehouse::firstColumn);
  }

  /**
   * One transaction: the swap lock of the schema, then an ACCESS EXCLUSIVE lock on its relations,
   * so that no swap moves it and no view elsewhere starts reading it between the check and the
   * drop. CASCADE then only reaches objects inside the schema, since the check found none outside.
   */
  @Override
  public List<String> dropUnlessRead(String schema) {
    List<String> readers = new ArrayList<>();
    inTransaction(
        "drop schema " + schema,
        statement -> {
          lockSwaps(schema);
          if (!schemaExists(schema)) {
            return;
          }
          List<String> relations = lockableRelations(schema);
          if (!relations.isEmpty()) {
            statement.execute(
                "lock table "
                    + String.join(
                        ", ", relations.stream().map(r -> quote(schema) + "." + quote(r)).toList())
                    + " in access exclusive mode");
          }
          readers.addAll(viewsReading(schema));
          if (readers.isEmpty()) {
            statement.execute("drop schema " + quote(schema) + " cascade");
          }
        });
    return readers;
  }

  /**
   * Tables, views and foreign tables of a schema: what LOCK TABLE accepts. Materialized views it
   * refuses, so a view created on one of them in the instant between check and drop is not held
   * off; the drop would then take it along.
   */
  private List<String> lockableRelations(String schema) {
    return query(
        "list relations of " + schema,
        """
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'p', 'v', 'f') order by 1
        """,
        List.of(schema),
        PostgresWarehouse::firstColumn);
  }

  @Override
  public List<OwnedSchema> ownedSchemas(String liveSchema) {
    String sql =
        """
        select nspname, obj_description(oid, 'pg_namespace') from pg_namespace
        where position(? in nspname) > 0
        """;
    List<OwnedSchema> owned =
        query(
            "list schemas of " + liveSchema,
            sql,
            List.of(StagingSchema.MARKER),
            rows -> {
              List<OwnedSchema> found = new ArrayList<>();
              while (rows.next()) {
                String name = rows.getString(1);
                Optional<SchemaTag> tag = SchemaTag.parse(rows.getString(2));
                if (tag.isPresent()
                    && StagingSchema.namePattern(liveSchema, name)
                    && tag.get().live().equalsIgnoreCase(liveSchema)) {
                  found.add(new OwnedSchema(name, tag.get()));
                }
              }
              return found;
            });
    owned.sort(
        Comparator.comparing((OwnedSchema o) -> o.tag().at()).thenComparing(OwnedSchema::name));
    return owned;
  }

  @Override
  public Optional<SchemaTag> tag(String schema) {
    return query(
        "read the tag of " + schema,
        "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = ?",
        List.of(schema),
        rows -> rows.next() ? SchemaTag.parse(rows.getString(1)) : Optional.<SchemaTag>empty());
  }

  /** Tables (not views) among {@code names} that exist in {@code schema}. */
  private List<String> existingTables(String schema, List<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    Map<String, String> byLowerName = new HashMap<>();
    names.forEach(n -> byLowerName.put(n.toLowerCase(Locale.ROOT), n));
    return query(
        "list tables of " + schema,
        """
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'p') order by 1
        """,
        List.of(schema),
        rows -> {
          List<String> tables = new ArrayList<>();
          while (rows.next()) {
            String table = rows.getString(1);
            if (byLowerName.containsKey(table.toLowerCase(Locale.ROOT))) {
              tables.add(table);
            }
          }
          return tables;
        });
  }

  private String comment(String schema, SchemaTag tag) {
    return "comment on schema "
        + quote(schema)
        + " is '"
        + tag.toComment().replace("'", "''")
        + "'";
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Quotes a schema or relation name after checking it is an identifier dbt can generate. */
  static String quote(String identifier) {
    if (identifier == null || !IDENTIFIER.matcher(identifier).matches()) {
      throw new WarehouseException("not a valid identifier: \"" + identifier + "\"");
    }
    return "\"" + identifier + "\"";
  }

  static String role(String role) {
    if (!IDENTIFIER.matcher(role).matches()) {
      throw new WarehouseException("grants: not a valid role name: \"" + role + "\"");
    }
    return "\"" + role.toLowerCase(Locale.ROOT) + "\"";
  }

  private static List<String> firstColumn(ResultSet rows) throws SQLException {
    List<String> values = new ArrayList<>();
    while (rows.next()) {
      values.add(rows.getString(1));
    }
    return values;
  }

  @FunctionalInterface
  private interface RowReader<T> {
    T read(ResultSet rows) throws SQLException;
  }

  @FunctionalInterface
  private interface StatementWork {
    void run(Statement statement) throws SQLException;
  }

  private <T> T query(String what, String sql, List<String> parameters, RowReader<T> reader) {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.size(); i++) {
        statement.setString(i + 1, parameters.get(i));
      }
      try (ResultSet rows = statement.executeQuery()) {
        return reader.read(rows);
      }
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  private void execute(String what, String sql) {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  private void inTransaction(String what, StatementWork work) {
    try {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        work.run(statement);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new WarehouseException(what + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new WarehouseException("closing the connection: " + e.getMessage(), e);
    }
  }

  /** Postgres truncates longer identifiers (NAMEDATALEN - 1) without an error. */
  @Override
  public int maxNameBytes() {
    return 63;
  }

  @Override
  public Set<String> privileges() {
    return TABLE_PRIVILEGES;
  }
}
