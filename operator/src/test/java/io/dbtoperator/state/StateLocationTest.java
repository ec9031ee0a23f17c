package io.dbtoperator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.state.StateLocation.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
  void clusterSchemesParseButDoNotOpenYet() {
    StateLocation astra = StateLocation.parse("astra:db-id/eu-west-1/keyspace");
    StateLocation cassandra = StateLocation.parse("cassandra:host1:9042,host2:9042/dbt");

    assertThat(astra).isEqualTo(new StateLocation(Backend.ASTRA, "db-id/eu-west-1/keyspace"));
    assertThat(cassandra)
        .isEqualTo(new StateLocation(Backend.CASSANDRA, "host1:9042,host2:9042/dbt"));
    assertThatThrownBy(() -> astra.open(clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store astra:db-id/eu-west-1/keyspace: open failed: astra state stores are not"
                + " yet supported in this build; use sqlite:PATH");
    assertThatThrownBy(() -> cassandra.open(clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessageContaining("cassandra state stores are not yet supported in this build");
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
