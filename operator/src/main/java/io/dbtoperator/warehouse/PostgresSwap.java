package io.dbtoperator.warehouse;

import static io.dbtoperator.warehouse.PostgresSession.comment;
import static io.dbtoperator.warehouse.PostgresSession.quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The swap on PostgreSQL: schema renames in one transaction. Postgres binds views to the objects
 * they read, not to their names. That keeps views inside a swapped schema correct, but leaves views
 * in other schemas reading the old version, so the same transaction re-creates those views from
 * their own definition.
 */
final class PostgresSwap {

  /** First key of the two-key advisory lock that serialises swaps; the second is the schema. */
  private static final int SWAP_LOCK_NAMESPACE = 0x64627430;

  /**
   * Joins views (v) of other schemas to the relations (t) of schema ? they read; the schema name is
   * bound twice. Postgres records what a view reads as dependencies of its rewrite rule.
   */
  static final String VIEWS_READING =
      """
      from pg_depend d
      join pg_rewrite r on r.oid = d.objid and d.classid = 'pg_rewrite'::regclass
      join pg_class v on v.oid = r.ev_class
      join pg_namespace vn on vn.oid = v.relnamespace
      join pg_class t on t.oid = d.refobjid and d.refclassid = 'pg_class'::regclass
      join pg_namespace tn on tn.oid = t.relnamespace
      where tn.nspname = ? and vn.nspname <> ?""";

  private final PostgresSession session;
  private final String project;
  private final Consumer<String> notices;

  PostgresSwap(PostgresSession session, String project, Consumer<String> notices) {
    this.session = session;
    this.project = project;
    this.notices = notices;
  }

  /** One schema to make live: the candidate takes the live name, tagged {@code newLiveTag}. */
  record Exchange(String live, String candidate, SchemaTag newLiveTag) {}

  /**
   * Makes each candidate the live schema, all in one transaction: three renames when live exists
   * (live to a temporary name, candidate to live, temporary to the candidate's name), tags on both,
   * and the re-binding of views outside the exchanged schemas that read an old live version. A live
   * schema that already carries its candidate's run was swapped by an earlier attempt and is left.
   *
   * @return false when every live schema was already swapped
   */
  boolean exchange(List<Exchange> exchanges) {
    String what =
        "swap "
            + String.join(
                ", ", exchanges.stream().map(e -> e.candidate() + " with " + e.live()).toList());
    // Nothing to swap commits a transaction that only locked and read: the same as a rollback.
    return session.inTransactionReturning(
        what,
        statement -> {
          Connection connection = session.connection();
          // Sorted, so that two transactions locking overlapping groups cannot deadlock.
          for (String live : new TreeSet<>(exchanges.stream().map(Exchange::live).toList())) {
            lock(connection, live);
          }
          List<Exchange> pending = new ArrayList<>();
          Map<String, Optional<SchemaTag>> liveTags = new HashMap<>();
          for (Exchange exchange : exchanges) {
            Optional<SchemaTag> liveTag = session.tag(exchange.live());
            if (liveTag.isEmpty() || !liveTag.get().runId().equals(exchange.newLiveTag().runId())) {
              if (!session.schemaExists(exchange.candidate())) {
                throw new WarehouseException(
                    what + ": schema " + exchange.candidate() + " does not exist");
              }
              pending.add(exchange);
              liveTags.put(exchange.live(), liveTag);
            }
          }
          if (pending.isEmpty()) {
            return false;
          }
          Set<String> exchanged = new TreeSet<>(pending.stream().map(Exchange::live).toList());
          // Each view once, with the first exchanged schema it reads, for the notices.
          Map<DependentView, String> dependents = new LinkedHashMap<>();
          for (Exchange exchange : pending) {
            if (session.schemaExists(exchange.live())) {
              // A view inside another exchanged schema comes with that schema's new version.
              for (DependentView view : viewsOutsideReading(connection, exchange.live())) {
                if (!exchanged.contains(view.schema())) {
                  dependents.putIfAbsent(view, exchange.live());
                }
              }
            }
          }
          for (Exchange exchange : pending) {
            rename(statement, exchange, liveTags.get(exchange.live()));
          }
          rebind(connection, statement, dependents);
          return true;
        });
  }

  private void rename(Statement statement, Exchange exchange, Optional<SchemaTag> liveTag)
      throws SQLException {
    String live = exchange.live();
    String candidate = exchange.candidate();
    if (!session.schemaExists(live)) {
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
            .orElseGet(
                () -> new SchemaTag(project, live, "adopted", SchemaTag.Role.LIVE, session.now()))
            .withRole(SchemaTag.Role.PREVIOUS, session.now());
    statement.execute(comment(candidate, previousTag));
  }

  /** Serialises swaps of {@code live}, and a drop of it, until the transaction ends. */
  static void lock(Connection connection, String live) throws SQLException {
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
  private static List<DependentView> viewsOutsideReading(Connection connection, String schema)
      throws SQLException {
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
  private void rebind(Connection connection, Statement statement, Map<DependentView, String> views)
      throws SQLException {
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
}
