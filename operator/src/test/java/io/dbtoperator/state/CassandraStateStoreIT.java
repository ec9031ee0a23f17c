package io.dbtoperator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.dbtoperator.FreePort;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The state store contract against a real Cassandra 5.0 node; one fresh keyspace per test. */
class CassandraStateStoreIT extends StateStoreContract {

  @RegisterExtension
  static final CassandraServer.Extension cassandra = new CassandraServer.Extension();

  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private final String keyspace = "it_" + KEYSPACES.incrementAndGet();

  @Override
  protected StateStore openStore(Clock clock) {
    return CassandraStateStore.open(cassandra.server().settings(keyspace), clock);
  }

  private String location() {
    return "cassandra:127.0.0.1:"
        + cassandra.server().nativePort()
        + "/"
        + keyspace
        + "?dc="
        + CassandraServer.DATACENTER;
  }

  @Test
  void createsTheKeyspaceAndRecordsTheSchemaVersion() {
    try (CqlSession session = cassandra.server().session()) {
      Row replication =
          session
              .execute(
                  "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
                  keyspace)
              .one();
      assertThat(replication.getMap("replication", String.class, String.class))
          .containsEntry("class", "org.apache.cassandra.locator.SimpleStrategy")
          .containsEntry("replication_factor", "1");
      assertThat(
              session
                  .execute("SELECT id, version FROM " + keyspace + ".schema_version")
                  .all()
                  .stream()
                  .map(row -> row.getInt("id") + ":" + row.getInt("version"))
                  .toList())
          .containsExactly("1:" + CassandraStateStore.SCHEMA_VERSION);
    }
    assertThat(((CassandraStateStore) store).location()).isEqualTo(location());
  }

  @Test
  void runHistoryIsPartitionedBySchemaAndMonth() {
    store.insertRun(run("marts", "a", Instant.parse("2026-03-01T10:00:00Z")));
    store.insertRun(run("marts", "b", Instant.parse("2026-03-31T23:59:59.999Z")));
    store.insertRun(run("marts", "c", Instant.parse("2026-04-01T00:00:00Z")));
    store.insertRun(run("staging", "d", Instant.parse("2027-01-15T00:00:00Z")));

    try (CqlSession session = cassandra.server().session()) {
      assertThat(
              session
                  .execute(
                      "SELECT bucket, schema_name FROM "
                          + keyspace
                          + ".run_partition WHERE project = '"
                          + PROJECT
                          + "'")
                  .all()
                  .stream()
                  .map(row -> row.getInt("bucket") + "/" + row.getString("schema_name"))
                  .toList())
          .containsExactly("202701/staging", "202604/marts", "202603/marts");
      assertThat(
              session
                  .execute(
                      "SELECT id FROM "
                          + keyspace
                          + ".run WHERE project = '"
                          + PROJECT
                          + "' AND schema_name = 'marts' AND bucket = 202603")
                  .all()
                  .stream()
                  .map(row -> row.getString("id"))
                  .toList())
          .containsExactly("b", "a");
    }
  }

  @Test
  void leaseRowsExpireOnTheServerOnlyWellAfterTheLease() {
    store.tryAcquireLease(PROJECT, "marts", "operator-1", Duration.ofMinutes(5)).orElseThrow();

    try (CqlSession session = cassandra.server().session()) {
      Row row =
          session
              .execute(
                  "SELECT TTL(holder) AS holder_ttl, TTL(expires_at) AS expiry_ttl FROM "
                      + keyspace
                      + ".schema_lease WHERE project = '"
                      + PROJECT
                      + "' AND schema_name = 'marts'")
              .one();
      // Lease ttl (5 min) plus an hour of grace for clock skew between servers and clients.
      assertThat(row.getInt("holder_ttl")).isBetween(3900 - 60, 3901);
      assertThat(row.getInt("expiry_ttl")).isBetween(3900 - 60, 3901);
    }
  }

  @Test
  void refusesAStoreWrittenByANewerVersion() {
    store.close();
    try (CqlSession session = cassandra.server().session()) {
      session.execute("UPDATE " + keyspace + ".schema_version SET version = 7 WHERE id = 1");
    }

    assertThatThrownBy(() -> openStore(clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store "
                + location()
                + ": open failed: the store has schema version 7 but this build of dbt-operator"
                + " knows versions up to 1; upgrade dbt-operator to use this store");
  }

  @Test
  void locationOpensAStoreOnTheSameData() {
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c1", T0, null, null, 0));

    try (StateStore opened = StateLocation.parse(location()).open(clock, Map.of())) {
      assertThat(opened).isInstanceOf(CassandraStateStore.class);
      assertThat(opened.schemas(PROJECT))
          .containsExactly(new SchemaState(PROJECT, "marts", "c1", T0, null, null, 1));
    }
  }

  @Test
  void unreachableClusterFailsWithinTheConnectTimeoutNamingTheLocation() throws IOException {
    int closedPort = FreePort.pick();
    CassandraSettings settings =
        CassandraSettings.cassandra(
                List.of(new CassandraSettings.ContactPoint("127.0.0.1", closedPort)),
                "datacenter1",
                "nowhere",
                "operator",
                "s3cret-password")
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
    long started = System.nanoTime();

    assertThatThrownBy(() -> CassandraStateStore.open(settings, clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessageStartingWith(
            "state store cassandra:127.0.0.1:"
                + closedPort
                + "/nowhere?dc=datacenter1: open failed: unreachable")
        .message()
        .doesNotContain("s3cret-password");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void closedStoreRefusesWork() {
    store.close();

    assertThatThrownBy(() -> store.schemas(PROJECT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("state store " + location() + " is closed; cannot list schemas of " + PROJECT);
  }
}
