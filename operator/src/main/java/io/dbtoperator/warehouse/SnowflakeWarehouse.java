package io.dbtoperator.warehouse;

import io.dbtoperator.warehouse.SnowflakeSql.RelationKind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Warehouse} on Snowflake over snowflake-jdbc, with one connection per instance.
 *
 * <p>Every operation first sets QUERY_TAG to name the project, the schema it acts on and the run,
 * so the operator's statements can be found in QUERY_HISTORY. An operation that fails with a
 * network or expired-session error is repeated on a new connection, up to {@link #ATTEMPTS} times;
 * SQL errors (permissions, missing objects) are not, since repeating cannot change them. Repeating
 * a whole operation is safe because every operation is idempotent.
 *
 * <p>Schema names returned (by {@link #ownedSchemas}) are lower case, as dbt generates them;
 * Snowflake stores them upper case.
 */
public final class SnowflakeWarehouse implements Warehouse {

  static final int ATTEMPTS = 3;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

  /**
   * snowflake-jdbc and Snowflake error codes after which the same statement can succeed: the
   * driver's network and I/O errors and closed connection, the server's "session no longer exists",
   * "session expired" and "authentication token expired", and "warehouse is suspended" (608), which
   * a warehouse still resuming answers. Login failures (390100 and the like) are deliberately
   * absent: repeating them can lock the user; so is "no active warehouse" (606), a missing USAGE
   * grant or a wrong name that waiting cannot fix.
   */
  static final Set<Integer> TRANSIENT_ERROR_CODES =
      Set.of(608, 200015, 200016, 200052, 390111, 390112, 390114);

  private static final Logger LOG = LoggerFactory.getLogger(SnowflakeWarehouse.class);

  private final SnowflakeSettings settings;
  private final SnowflakeSql sql;
  private final String project;
  private final String runId;
  private final Clock clock;
  private Connection connection;

  /**
   * @param project the project key, written into query tags
   * @param runId the run these operations belong to, written into query tags
   */
  public SnowflakeWarehouse(SnowflakeSettings settings, String project, String runId, Clock clock) {
    this.settings = settings;
    this.sql = new SnowflakeSql(settings.database(), "database");
    this.project = project;
    this.runId = runId;
    this.clock = clock;
  }

  @Override
  public void ensureSchema(String schema) {
    inSchema(schema, "create schema", c -> execute(c, sql.createSchemaIfNotExists(schema)));
  }

  @Override
  public boolean schemaExists(String schema) {
    return inSchema(schema, "look up schema", c -> findSchema(c, schema).isPresent());
  }

  @Override
  public void createStaging(StagingSchema staging) {
    SchemaTag tag = tag(staging, SchemaTag.Role.STAGING);
    inSchema(
        staging.name(),
        staging.runId(),
        "create staging schema",
        c -> {
          execute(c, sql.dropSchema(staging.name()));
          execute(c, sql.createSchemaIfNotExists(staging.name(), tag));
          return null;
        });
  }

  /**
   * The whole schema in one statement, or each table that must keep its history on its own, on
   * several connections at once. dbt-snowflake #315 reports whole-schema clones of about 1,000
   * models taking tens of minutes, since the one statement clones every object in turn; a refresh
   * rebuilds every model anyway, so it clones only the tables it keeps (docs/deploys.md, "Clone").
   * Views cannot be cloned on their own; no run keeps one without the whole schema.
   */
  @Override
  public void cloneLive(StagingSchema staging, List<String> keepRelations, boolean wholeSchema) {
    SchemaTag tag = tag(staging, SchemaTag.Role.STAGING);
    List<String> tables =
        inSchema(
            staging.name(),
            staging.runId(),
            "clone live schema",
            c -> {
              if (findSchema(c, staging.live()).isEmpty()) {
                return List.of();
              }
              if (!wholeSchema) {
                return tablesOf(c, staging.live(), keepRelations);
              }
              execute(c, sql.cloneSchema(staging.name(), staging.live()));
              // The clone carries the live schema's comment; staging must carry its own tag.
              execute(c, sql.setComment(staging.name(), tag));
              return List.of();
            });
    String queryTag =
        settings.queryTags() ? sql.queryTag(project, staging.name(), staging.runId()) : null;
    ConcurrentClones.run(
        "clone tables of " + staging.live() + " into " + staging.name(),
        tables,
        () -> SnowflakeCloneSession.open(settings, sql, staging, queryTag),
        SnowflakeWarehouse::describe);
  }

  /** Those of {@code names} that are tables of {@code schema}, as Snowflake stores them. */
  private List<String> tablesOf(Connection c, String schema, List<String> names)
      throws SQLException {
    Set<String> wanted = new HashSet<>();
    names.forEach(n -> wanted.add(SnowflakeSql.storedName("relation", n)));
    List<String> tables = new ArrayList<>();
    try (Statement statement = c.createStatement();
        ResultSet rows = statement.executeQuery(sql.selectRelations(schema))) {
      while (rows.next()) {
        if (wanted.contains(rows.getString(1))
            && SnowflakeGrantState.kindOf(rows.getString(2)) == RelationKind.TABLES) {
          tables.add(rows.getString(1));
        }
      }
    }
    return tables;
  }

  /**
   * Tags staging LIVE, swaps (or renames, on a first deploy), then tags what is now under the
   * staging name PREVIOUS. A run killed between any two statements converges when it calls swap
   * again: before the swap, live still has the previous run's tag, so the tag is rewritten and the
   * swap happens; after the swap, live carries this run's tag, so nothing is swapped and only the
   * PREVIOUS tag, which may be missing, is written. Comments move with the schemas, which is why
   * staging is tagged LIVE before the swap: at no point is live tagged with a run it does not hold.
   */
  @Override
  public boolean swap(StagingSchema staging) {
    return swapTogether(List.of(staging));
  }

  /**
   * The same steps for every schema of the group, each step for all of them before the next: the
   * LIVE tags, then the {@code SWAP WITH} statements one right after the other (Snowflake has no
   * transactional DDL, so this is the shortest window in which readers may see some swapped and
   * others not), then the PREVIOUS tags. A repeated call swaps only the schemas not yet swapped.
   */
  @Override
  public boolean swapTogether(List<StagingSchema> stagings) {
    return exchange(
        stagings.stream()
            .map(s -> new Exchange(s.live(), s.name(), tag(s, SchemaTag.Role.LIVE)))
            .toList());
  }

  @Override
  public boolean restore(String liveSchema, OwnedSchema previous) {
    return exchange(
        List.of(
            new Exchange(
                liveSchema, previous.name(), previous.tag().withRole(SchemaTag.Role.LIVE, now()))));
  }

  @Override
  public boolean canCloneWholeSchema() {
    return true;
  }

  /** One schema to make live: the candidate takes the live name, tagged {@code liveTag}. */
  private record Exchange(String live, String candidate, SchemaTag liveTag) {}

  private boolean exchange(List<Exchange> exchanges) {
    return inSchema(
        exchanges.get(0).live(),
        exchanges.get(0).liveTag().runId(),
        "swap schema",
        c -> {
          List<SnowflakeSql.Swap> swaps = new ArrayList<>();
          for (Exchange exchange : exchanges) {
            Optional<Optional<SchemaTag>> live = findSchema(c, exchange.live());
            boolean alreadySwapped =
                live.flatMap(tag -> tag)
                    .map(t -> t.runId().equals(exchange.liveTag().runId()))
                    .orElse(false);
            if (alreadySwapped) {
              continue;
            }
            if (findSchema(c, exchange.candidate()).isEmpty()) {
              throw new WarehouseException(
                  "swap " + exchange.live() + ": schema " + exchange.candidate() + " is missing");
            }
            swaps.add(
                new SnowflakeSql.Swap(
                    exchange.candidate(), exchange.live(), live.isPresent(), exchange.liveTag()));
          }
          for (String statement : sql.swapTogether(swaps)) {
            execute(c, statement);
          }
          for (Exchange exchange : exchanges) {
            tagPrevious(c, exchange);
          }
          return !swaps.isEmpty();
        });
  }

  /** Tags what is now under the candidate's name PREVIOUS, unless an earlier attempt did. */
  private void tagPrevious(Connection c, Exchange exchange) throws SQLException {
    Optional<Optional<SchemaTag>> previous = findSchema(c, exchange.candidate());
    if (previous.isPresent()
        && previous.get().map(t -> t.role() != SchemaTag.Role.PREVIOUS).orElse(true)) {
      String previousRun = previous.get().map(SchemaTag::runId).orElse("untagged");
      execute(
          c,
          sql.setComment(
              exchange.candidate(),
              new SchemaTag(
                  exchange.liveTag().project(),
                  exchange.live(),
                  previousRun,
                  SchemaTag.Role.PREVIOUS,
                  now())));
    }
  }

  @Override
  public GrantDrift applyGrants(String schema, SchemaGrants desired) {
    return inSchema(
        schema,
        "apply grants",
        c -> {
          GrantDrift drift = readGrants(c, schema).driftTo(desired);
          for (String statement :
              sql.applyDrift(schema, drift, desired.privilegesByRole().keySet())) {
            execute(c, statement);
          }
          return drift;
        });
  }

  @Override
  public SchemaGrants currentGrants(String schema) {
    return inSchema(schema, "read grants", c -> readGrants(c, schema).held());
  }

  @Override
  public void drop(String schema) {
    inSchema(schema, "drop schema", c -> execute(c, sql.dropSchema(schema)));
  }

  @Override
  public List<String> viewsReading(String schema) {
    return inSchema(schema, "list views reading", c -> readers(c, schema));
  }

  @Override
  public List<String> dropUnlessRead(String schema) {
    return inSchema(
        schema,
        "drop schema",
        c -> {
          List<String> readers = readers(c, schema);
          if (readers.isEmpty()) {
            execute(c, sql.dropSchemaRestrict(schema));
          }
          return readers;
        });
  }

  private List<String> readers(Connection c, String schema) throws SQLException {
    List<String> readers = new ArrayList<>();
    try (Statement statement = c.createStatement();
        ResultSet rows = statement.executeQuery(sql.selectViewsReading(schema))) {
      while (rows.next()) {
        readers.add(rows.getString(1).toLowerCase(Locale.ROOT));
      }
    }
    return readers;
  }

  @Override
  public List<OwnedSchema> ownedSchemas(String liveSchema) {
    return inSchema(
        liveSchema,
        "list owned schemas",
        c -> {
          List<OwnedSchema> owned = new ArrayList<>();
          try (Statement statement = c.createStatement();
              ResultSet rows = statement.executeQuery(sql.selectTaggedSchemas())) {
            while (rows.next()) {
              String name = rows.getString(1).toLowerCase(Locale.ROOT);
              Optional<SchemaTag> tag = SchemaTag.parse(rows.getString(2));
              if (tag.isPresent() && StagingSchema.namePattern(liveSchema, name)) {
                owned.add(new OwnedSchema(name, tag.get()));
              }
            }
          }
          owned.sort(
              Comparator.comparing((OwnedSchema o) -> o.tag().at())
                  .thenComparing(OwnedSchema::name));
          return owned;
        });
  }

  @Override
  public Optional<SchemaTag> tag(String schema) {
    return inSchema(schema, "read tag", c -> findSchema(c, schema).flatMap(tag -> tag));
  }

  @Override
  public void close() {
    if (connection != null) {
      SnowflakeConnections.closeLogged(connection);
      connection = null;
    }
  }

  /**
   * Snowflake's error code and SQL state, as its documentation lists them, with its message on one
   * line (compilation errors come on several).
   */
  static String describe(SQLException e) {
    String message = String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ").trim();
    if (e.getErrorCode() == 0) {
      return message;
    }
    String state = e.getSQLState() == null ? "" : " (" + e.getSQLState() + ")";
    return "Snowflake error " + String.format("%06d", e.getErrorCode()) + state + ": " + message;
  }

  static boolean isTransient(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sqlException
          && (TRANSIENT_ERROR_CODES.contains(sqlException.getErrorCode())
              || "08S01".equals(sqlException.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private SchemaTag tag(StagingSchema staging, SchemaTag.Role role) {
    return new SchemaTag(staging.project(), staging.live(), staging.runId(), role, now());
  }

  /** Empty when the schema does not exist; else its tag, empty when it has none. */
  private Optional<Optional<SchemaTag>> findSchema(Connection c, String schema)
      throws SQLException {
    try (Statement statement = c.createStatement();
        ResultSet rows = statement.executeQuery(sql.selectSchema(schema))) {
      return rows.next() ? Optional.of(SchemaTag.parse(rows.getString(2))) : Optional.empty();
    }
  }

  private SnowflakeGrantState readGrants(Connection c, String schema) throws SQLException {
    return SnowflakeGrantState.fromRows(
        rows(c, sql.showGrantsOnSchema(schema)),
        rows(c, sql.showFutureGrantsInSchema(schema)),
        rows(c, sql.selectRelations(schema)),
        rows(c, sql.selectRelationPrivileges(schema)));
  }

  /** Each row by lower-case column name, values as strings. */
  private static List<Map<String, String>> rows(Connection c, String query) throws SQLException {
    List<Map<String, String>> rows = new ArrayList<>();
    try (Statement statement = c.createStatement();
        ResultSet result = statement.executeQuery(query)) {
      List<String> labels = new ArrayList<>();
      for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
        labels.add(result.getMetaData().getColumnLabel(i).toLowerCase(Locale.ROOT));
      }
      while (result.next()) {
        Map<String, String> row = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
          row.put(labels.get(i), result.getString(i + 1));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** A unit of work on the connection; repeated as a whole after a transient error. */
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private <T> T inSchema(String schema, String action, Work<T> work) {
    return inSchema(schema, runId, action, work);
  }

  /**
   * @param operationRunId the run the operation belongs to, for QUERY_TAG; the instance's own run
   *     id for operations outside a run's staging schema
   */
  private <T> T inSchema(String schema, String operationRunId, String action, Work<T> work) {
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; ; attempt++) {
      try {
        Connection c = connection();
        if (settings.queryTags()) {
          execute(c, sql.queryTag(project, schema, operationRunId));
        }
        return work.run(c);
      } catch (SQLException e) {
        if (!isTransient(e) || attempt == ATTEMPTS) {
          throw new WarehouseException(action + " " + schema + ": " + describe(e), e);
        }
        LOG.warn(
            "{} {}: attempt {} of {} failed ({}), retrying in {} ms",
            action,
            schema,
            attempt,
            ATTEMPTS,
            e.getMessage(),
            backoff.toMillis());
        close();
        sleep(backoff);
        backoff = backoff.multipliedBy(4);
      }
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = SnowflakeConnections.open(settings);
    }
    return connection;
  }

  private static Void execute(Connection c, String statementText) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(statementText);
    }
    return null;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WarehouseException("interrupted while waiting to retry", e);
    }
  }

  @Override
  public int maxNameBytes() {
    return 255;
  }

  @Override
  public java.util.Set<String> privileges() {
    return SnowflakeSql.TABLE_PRIVILEGES;
  }
}
