package io.dbtoperator.state;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The state store's tables in Cassandra: their creation, its version, statements and row mapping.
 */
final class CassandraLayout {
  /** Version of the table layout written by this build; bump it together with a migration. */
  static final int VERSION = 1;

  // The columns a run update may change, in the order of runUpdateValues().
  static final String RUN_UPDATABLE_COLUMNS =
      "status, ended_at, models_total, models_succeeded, models_failed, models_skipped,"
          + " tests_passed, tests_failed, log_location, last_completed_step, message";

  static final String RUN_COLUMNS =
      "project, schema_name, id, type, started_at, " + RUN_UPDATABLE_COLUMNS + ", version";

  static final String SCHEMA_COLUMNS =
      "project, schema_name, live_commit, last_refresh, last_full_refresh, last_snapshot, version";

  private CassandraLayout() {}

  /**
   * Creates the keyspace (plain Cassandra only) and the tables if missing, checks the stored layout
   * version and prepares the statements.
   *
   * @throws StateStoreException if the keyspace is missing on Astra, or the store was written by a
   *     newer build
   */
  static void create(CassandraSession db, CassandraSettings settings) {
    String keyspace = settings.keyspace();
    String location = settings.location();
    if (settings.isAstra()) {
      Row found =
          db.execute(
                  "open",
                  SimpleStatement.newInstance(
                          "SELECT keyspace_name FROM system_schema.keyspaces"
                              + " WHERE keyspace_name = ?",
                          keyspace)
                      .setIdempotent(true))
              .one();
      if (found == null) {
        throw new StateStoreException(
            "state store "
                + location
                + ": open failed: keyspace "
                + keyspace
                + " does not exist; Astra creates keyspaces outside CQL, so create it in the"
                + " Astra console (or with the Astra DevOps API) and try again");
      }
    } else {
      db.ddl(
          "CREATE KEYSPACE IF NOT EXISTS "
              + keyspace
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': "
              + settings.replicationFactor()
              + "}");
    }
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("schema_version")
            + " (id int PRIMARY KEY, version int)");
    Row stored =
        db.execute(
                "open",
                SimpleStatement.newInstance(
                        "SELECT version FROM " + db.table("schema_version") + " WHERE id = 1")
                    .setIdempotent(true))
            .one();
    if (stored != null && stored.getInt("version") > VERSION) {
      throw new StateStoreException(
          "state store "
              + location
              + ": open failed: the store has schema version "
              + stored.getInt("version")
              + " but this build of dbt-operator knows versions up to "
              + VERSION
              + "; upgrade dbt-operator to use this store");
    }
    // Version 1 is the first layout; steps from older versions will go here, before the DDL.
    createTables(db);
    if (stored == null) {
      db.execute(
          "open",
          SimpleStatement.newInstance(
              "INSERT INTO "
                  + db.table("schema_version")
                  + " (id, version) VALUES (1, ?) IF NOT EXISTS",
              VERSION));
    }
    prepareStatements(db);
  }

  private static void createTables(CassandraSession db) {
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("schema_state")
            + " (project text, schema_name text, live_commit text, last_refresh timestamp,"
            + " last_full_refresh timestamp, last_snapshot timestamp, version bigint,"
            + " PRIMARY KEY ((project), schema_name))");
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("run")
            + " (project text, schema_name text, bucket int, started_at timestamp, id text,"
            + " type text, status text, ended_at timestamp, models_total int,"
            + " models_succeeded int, models_failed int, models_skipped int, tests_passed int,"
            + " tests_failed int, log_location text, last_completed_step text, message text,"
            + " version bigint,"
            + " PRIMARY KEY ((project, schema_name, bucket), started_at, id))"
            + " WITH CLUSTERING ORDER BY (started_at DESC, id DESC)");
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("run_by_id")
            + " (project text, schema_name text, id text, started_at timestamp,"
            + " PRIMARY KEY ((project, schema_name, id)))");
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("run_partition")
            + " (project text, bucket int, schema_name text,"
            + " PRIMARY KEY ((project), bucket, schema_name))"
            + " WITH CLUSTERING ORDER BY (bucket DESC, schema_name ASC)");
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("manifest_pointer")
            + " (project text PRIMARY KEY, git_commit text, location text, updated_at timestamp,"
            + " version bigint)");
    db.ddl(
        "CREATE TABLE IF NOT EXISTS "
            + db.table("schema_lease")
            + " (project text, schema_name text, holder text, expires_at timestamp,"
            + " PRIMARY KEY ((project, schema_name)))");
  }

  private static void prepareStatements(CassandraSession db) {
    db.prepare(
        "schema",
        "SELECT " + SCHEMA_COLUMNS + " FROM KS.schema_state WHERE project = ? AND schema_name = ?");
    db.prepare("schemas", "SELECT " + SCHEMA_COLUMNS + " FROM KS.schema_state WHERE project = ?");
    db.prepare("projects", "SELECT DISTINCT project FROM KS.schema_state");
    db.prepare(
        "insertSchema",
        "INSERT INTO KS.schema_state (project, schema_name, live_commit, last_refresh,"
            + " last_full_refresh, last_snapshot, version) VALUES (?, ?, ?, ?, ?, ?, 1)"
            + " IF NOT EXISTS");
    db.prepare(
        "updateSchema",
        "UPDATE KS.schema_state SET live_commit = ?, last_refresh = ?, last_full_refresh = ?,"
            + " last_snapshot = ?, version = ? WHERE project = ? AND schema_name = ?"
            + " IF version = ?");
    db.prepare(
        "claimRunId",
        "INSERT INTO KS.run_by_id (project, schema_name, id, started_at) VALUES (?, ?, ?, ?)"
            + " IF NOT EXISTS");
    db.prepare(
        "runStartedAt",
        "SELECT started_at FROM KS.run_by_id WHERE project = ? AND schema_name = ? AND id = ?");
    db.prepare(
        "addRunPartition",
        "INSERT INTO KS.run_partition (project, bucket, schema_name) VALUES (?, ?, ?)");
    db.prepare(
        "insertRun",
        "INSERT INTO KS.run (bucket, "
            + RUN_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) IF NOT EXISTS");
    String setUpdatable =
        String.join(" = ?, ", RUN_UPDATABLE_COLUMNS.split(", ")) + " = ?, version = ?";
    db.prepare(
        "updateRun",
        "UPDATE KS.run SET "
            + setUpdatable
            + " WHERE project = ? AND schema_name = ? AND bucket = ? AND started_at = ? AND id = ?"
            + " IF version = ? AND type = ?");
    db.prepare(
        "run",
        "SELECT "
            + RUN_COLUMNS
            + " FROM KS.run WHERE project = ? AND schema_name = ? AND bucket = ? AND started_at = ?"
            + " AND id = ?");
    db.prepare(
        "runPartitions",
        "SELECT bucket, schema_name FROM KS.run_partition WHERE project = ? AND bucket <= ?");
    db.prepare(
        "runsInPartition",
        "SELECT "
            + RUN_COLUMNS
            + " FROM KS.run WHERE project = ? AND schema_name = ? AND bucket = ? LIMIT ?");
    db.prepare(
        "runsInPartitionAfter",
        "SELECT "
            + RUN_COLUMNS
            + " FROM KS.run WHERE project = ? AND schema_name = ? AND bucket = ?"
            + " AND (started_at, id) <= (?, ?) LIMIT ?");
    db.prepare(
        "manifest",
        "SELECT project, git_commit, location, updated_at, version FROM KS.manifest_pointer"
            + " WHERE project = ?");
    db.prepare(
        "insertManifest",
        "INSERT INTO KS.manifest_pointer (project, git_commit, location, updated_at, version)"
            + " VALUES (?, ?, ?, ?, 1) IF NOT EXISTS");
    db.prepare(
        "updateManifest",
        "UPDATE KS.manifest_pointer SET git_commit = ?, location = ?, updated_at = ?, version = ?"
            + " WHERE project = ? IF version = ?");
    db.prepare(
        "lease",
        "SELECT holder, expires_at FROM KS.schema_lease WHERE project = ? AND schema_name = ?");
    db.prepare(
        "insertLease",
        "INSERT INTO KS.schema_lease (project, schema_name, holder, expires_at) VALUES (?, ?, ?, ?)"
            + " IF NOT EXISTS USING TTL ?");
    db.prepare(
        "takeLease",
        "UPDATE KS.schema_lease USING TTL ? SET holder = ?, expires_at = ?"
            + " WHERE project = ? AND schema_name = ? IF holder = ? AND expires_at = ?");
    db.prepare(
        "renewLease",
        "UPDATE KS.schema_lease USING TTL ? SET holder = ?, expires_at = ?"
            + " WHERE project = ? AND schema_name = ? IF holder = ? AND expires_at > ?");
    db.prepare(
        "releaseLease",
        "DELETE FROM KS.schema_lease WHERE project = ? AND schema_name = ? IF holder = ?");
  }

  static SchemaState schemaState(Row row) {
    return new SchemaState(
        row.getString("project"),
        row.getString("schema_name"),
        row.getString("live_commit"),
        row.getInstant("last_refresh"),
        row.getInstant("last_full_refresh"),
        row.getInstant("last_snapshot"),
        row.getLong("version"));
  }

  static RunRecord runRecord(Row row) {
    return new RunRecord(
        row.getString("id"),
        row.getString("project"),
        row.getString("schema_name"),
        RunType.valueOf(row.getString("type")),
        RunStatus.valueOf(row.getString("status")),
        row.getInstant("started_at"),
        row.getInstant("ended_at"),
        new RunCounts(
            row.getInt("models_total"),
            row.getInt("models_succeeded"),
            row.getInt("models_failed"),
            row.getInt("models_skipped"),
            row.getInt("tests_passed"),
            row.getInt("tests_failed")),
        row.getString("log_location"),
        row.getString("last_completed_step"),
        row.getString("message"),
        row.getLong("version"));
  }

  static List<Object> runUpdateValues(RunRecord run) {
    RunCounts counts = run.counts();
    return Arrays.asList(
        run.status().name(),
        millis(run.endedAt()),
        counts.modelsTotal(),
        counts.modelsSucceeded(),
        counts.modelsFailed(),
        counts.modelsSkipped(),
        counts.testsPassed(),
        counts.testsFailed(),
        run.logLocation(),
        run.lastCompletedStep(),
        run.message());
  }

  /** Cassandra timestamps hold milliseconds: what is written is what is read back. */
  static Instant millis(Instant instant) {
    return instant == null ? null : Instant.ofEpochMilli(instant.toEpochMilli());
  }
}
