package io.dbtoperator.warehouse;

import static io.dbtoperator.warehouse.PostgresSession.comment;
import static io.dbtoperator.warehouse.PostgresSession.quote;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warehouse on PostgreSQL. Schema names are used as dbt-postgres uses them: quoted, case kept.
 * Role names are folded to lowercase, as Postgres folds the unquoted names users write. The swap,
 * and why it re-creates views in other schemas, is {@link PostgresSwap}.
 */
public final class PostgresWarehouse implements Warehouse {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresWarehouse.class);

  private final PostgresSettings settings;
  private final PostgresSession session;
  private final PostgresSwap swap;
  private final PostgresGrants grants;

  /**
   * @param project the project key written into schema tags
   * @param notices receives what a swap or a grant had to repair, for the run log
   */
  public PostgresWarehouse(
      PostgresSettings settings, String project, Clock clock, Consumer<String> notices) {
    this.settings = settings;
    Connection connection;
    try {
      connection = DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
    } catch (SQLException e) {
      throw new WarehouseException("cannot connect to " + settings + ": " + e.getMessage(), e);
    }
    this.session = new PostgresSession(connection, clock);
    this.swap = new PostgresSwap(session, project, notices);
    this.grants = new PostgresGrants(session);
  }

  @Override
  public void ensureSchema(String schema) {
    session.execute("ensure schema " + schema, "create schema if not exists " + quote(schema));
  }

  @Override
  public boolean schemaExists(String schema) {
    return session.schemaExists(schema);
  }

  @Override
  public void createStaging(StagingSchema staging) {
    String name = staging.name();
    SchemaTag tag =
        new SchemaTag(
            staging.project(),
            staging.live(),
            staging.runId(),
            SchemaTag.Role.STAGING,
            session.now());
    session.inTransaction(
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
    List<PostgresSwap.Exchange> exchanges = new ArrayList<>();
    for (StagingSchema staging : stagings) {
      exchanges.add(
          new PostgresSwap.Exchange(
              staging.live(),
              staging.name(),
              new SchemaTag(
                  staging.project(),
                  staging.live(),
                  staging.runId(),
                  SchemaTag.Role.LIVE,
                  session.now())));
    }
    return swap.exchange(exchanges);
  }

  @Override
  public boolean restore(String liveSchema, OwnedSchema previous) {
    return swap.exchange(
        List.of(
            new PostgresSwap.Exchange(
                liveSchema,
                previous.name(),
                previous.tag().withRole(SchemaTag.Role.LIVE, session.now()))));
  }

  @Override
  public GrantDrift applyGrants(String schema, SchemaGrants desired) {
    return grants.apply(schema, desired);
  }

  @Override
  public SchemaGrants currentGrants(String schema) {
    return grants.current(schema);
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
    return session.query(
        "check what reads " + schema,
        "select distinct vn.nspname || '.' || v.relname "
            + PostgresSwap.VIEWS_READING
            + " order by 1",
        List.of(schema, schema),
        PostgresSession::firstColumn);
  }

  /**
   * One transaction: the swap lock of the schema, then an ACCESS EXCLUSIVE lock on its relations,
   * so that no swap moves it and no view elsewhere starts reading it between the check and the
   * drop. CASCADE then only reaches objects inside the schema, since the check found none outside.
   */
  @Override
  public List<String> dropUnlessRead(String schema) {
    List<String> readers = new ArrayList<>();
    session.inTransaction(
        "drop schema " + schema,
        statement -> {
          PostgresSwap.lock(session.connection(), schema);
          if (!session.schemaExists(schema)) {
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
    return session.query(
        "list relations of " + schema,
        """
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'p', 'v', 'f') order by 1
        """,
        List.of(schema),
        PostgresSession::firstColumn);
  }

  @Override
  public List<OwnedSchema> ownedSchemas(String liveSchema) {
    String sql =
        """
        select nspname, obj_description(oid, 'pg_namespace') from pg_namespace
        where position(? in nspname) > 0
        """;
    List<OwnedSchema> owned =
        session.query(
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
    return session.tag(schema);
  }

  /** Tables (not views) among {@code names} that exist in {@code schema}. */
  private List<String> existingTables(String schema, List<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    Map<String, String> byLowerName = new HashMap<>();
    names.forEach(n -> byLowerName.put(n.toLowerCase(Locale.ROOT), n));
    return session.query(
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

  @Override
  public void close() {
    session.close();
  }

  /** Postgres truncates longer identifiers (NAMEDATALEN - 1) without an error. */
  @Override
  public int maxNameBytes() {
    return 63;
  }

  @Override
  public Set<String> privileges() {
    return PostgresGrants.TABLE_PRIVILEGES;
  }
}
