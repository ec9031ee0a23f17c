package io.dbtoperator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.state.StateLocation.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLocationTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

  @Test
  void sqliteSchemeAndBarePathsAreSqlite() {
    assertThat(StateLocation.parse("sqlite:/var/lib/dbt/state.db"))
        .isEqualTo(new StateLocation(Backend.SQLITE, "/var/lib/dbt/state.db"));
    assertThat(StateLocation.parse("SQLite:state.db"))
        .isEqualTo(new StateLocation(Backend.SQLITE, "state.db"));
    assertThat(StateLocation.parse("./state/dbt.db"))
        .isEqualTo(new StateLocation(Backend.SQLITE, "./state/dbt.db"));
    assertThat(StateLocation.parse("C:\\dbt\\state.db"))
        .isEqualTo(new StateLocation(Backend.SQLITE, "C:\\dbt\\state.db"));
  }

  @Test
  void clusterSchemesKeepTheirTarget() {
    assertThat(StateLocation.parse("astra:/etc/dbt/secure-connect.zip/dbt_state"))
        .isEqualTo(new StateLocation(Backend.ASTRA, "/etc/dbt/secure-connect.zip/dbt_state"));
    assertThat(StateLocation.parse("Cassandra:host1:9042,host2:9042/dbt?dc=dc1"))
        .isEqualTo(new StateLocation(Backend.CASSANDRA, "host1:9042,host2:9042/dbt?dc=dc1"));
  }

  @Test
  void clusterLocationsCheckTheirSyntaxAndCredentialsBeforeConnecting() {
    assertThatThrownBy(() -> StateLocation.parse("cassandra:host1/dbt").open(clock, Map.of()))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store location \"cassandra:host1/dbt\": \"host1\" has no port; expected"
                + " host:port");
    assertThatThrownBy(
            () -> StateLocation.parse("astra:/etc/secure-connect.zip/dbt").open(clock, Map.of()))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store location \"astra:/etc/secure-connect.zip/dbt\": the Astra application"
                + " token is missing; set ASTRA_DB_APPLICATION_TOKEN");
  }

  @Test
  void unknownSchemeAndEmptyLocationsAreRejected() {
    assertThatThrownBy(() -> StateLocation.parse("postgres://db/state"))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store location \"postgres://db/state\" has unknown scheme \"postgres\";"
                + " expected sqlite:PATH, a file path, astra:... or cassandra:...");
    assertThatThrownBy(() -> StateLocation.parse(" "))
        .isInstanceOf(StateStoreException.class)
        .hasMessageStartingWith("state store location is empty");
    assertThatThrownBy(() -> StateLocation.parse("sqlite:"))
        .isInstanceOf(StateStoreException.class)
        .hasMessage("state store location \"sqlite:\" has nothing after \"sqlite:\"");
  }

  @Test
  void sqliteLocationOpensAStoreAtThatPath(@TempDir Path dir) {
    Path file = dir.resolve("state.db");

    try (StateStore store = StateLocation.parse("sqlite:" + file).open(clock)) {
      assertThat(store).isInstanceOf(SqliteStateStore.class);
      assertThat(((SqliteStateStore) store).location()).isEqualTo("sqlite:" + file);
      assertThat(store.schemas("p")).isEmpty();
    }
    assertThat(Files.isRegularFile(file)).isTrue();
  }
}
