package io.dbtoperator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStateStoreTest extends StateStoreContract {

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("nested/dir/state.db");
  }

  @Override
  protected StateStore openStore(Clock clock) {
    return SqliteStateStore.open(file(), clock);
  }

  private Connection rawConnection() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file());
  }

  private static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      assertThat(rs.next()).as("row from %s", sql).isTrue();
      return rs.getString(1);
    }
  }

  @Test
  void createsParentDirectoriesAndRecordsSchemaVersion() throws SQLException {
    assertThat(Files.isRegularFile(file())).isTrue();
    try (Connection connection = rawConnection()) {
      assertThat(queryString(connection, "SELECT count(*) FROM schema_version")).isEqualTo("1");
      assertThat(queryString(connection, "SELECT version FROM schema_version"))
          .isEqualTo(String.valueOf(SqliteStateStore.SCHEMA_VERSION));
    }
  }

  @Test
  void usesWriteAheadLogSoProcessesCanShareTheFile() throws SQLException {
    try (Connection connection = rawConnection()) {
      assertThat(queryString(connection, "PRAGMA journal_mode")).isEqualTo("wal");
    }
  }

  @Test
  void reopeningKeepsOneSchemaVersionRow() throws SQLException {
    restart();
    restart();

    try (Connection connection = rawConnection()) {
      assertThat(queryString(connection, "SELECT count(*) FROM schema_version")).isEqualTo("1");
    }
  }

  @Test
  void processesCreatingANewStoreAtOnceAllSucceed() throws Exception {
    Path fresh = dir.resolve("fresh/state.db");
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<SqliteStateStore>> opening = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        opening.add(
            pool.submit(
                () -> {
                  start.await();
                  return SqliteStateStore.open(fresh, clock);
                }));
      }
      start.countDown();
      for (Future<SqliteStateStore> each : opening) {
        each.get(30, TimeUnit.SECONDS).close();
      }
    } finally {
      pool.shutdownNow();
    }
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + fresh)) {
      assertThat(
              queryString(connection, "SELECT count(*) || ':' || max(version) FROM schema_version"))
          .isEqualTo("1:1");
    }
  }

  @Test
  void refusesAStoreWrittenByANewerVersion() throws SQLException {
    store.close();
    try (Connection connection = rawConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("UPDATE schema_version SET version = 7");
    }

    assertThatThrownBy(() -> SqliteStateStore.open(file(), clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store sqlite:"
                + file()
                + ": open failed: the store has schema version 7 but this build of dbt-operator"
                + " knows versions up to 1; upgrade dbt-operator to use this store");
  }

  @Test
  void badPathNamesTheLocationAndOperation() throws Exception {
    Path notADirectory = dir.resolve("plain-file");
    Files.writeString(notADirectory, "x");
    Path file = notADirectory.resolve("state.db");

    assertThatThrownBy(() -> SqliteStateStore.open(file, clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessageStartingWith(
            "state store sqlite:" + file + ": open failed: cannot create directory: ");
  }

  @Test
  void corruptFileNamesTheLocationAndOperation() throws Exception {
    Path corrupt = dir.resolve("corrupt.db");
    Files.write(
        corrupt,
        "this is not a database, just some text".repeat(200).getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> SqliteStateStore.open(corrupt, clock))
        .isInstanceOf(StateStoreException.class)
        .hasMessageStartingWith("state store sqlite:" + corrupt + ": open failed: ")
        .hasMessageContaining("not a database");
  }

  @Test
  void lockHeldBeyondBusyTimeoutNamesTheLocationAndOperation() throws SQLException {
    StateStore impatient = SqliteStateStore.open(file(), clock, Duration.ofMillis(100));
    try (Connection locker = rawConnection();
        Statement statement = locker.createStatement()) {
      statement.execute("BEGIN EXCLUSIVE");
      try {
        assertThatThrownBy(
                () -> impatient.compareAndSet(0, SchemaState.absent("analytics/jaffle", "marts")))
            .isInstanceOf(StateStoreException.class)
            .hasMessageStartingWith(
                "state store sqlite:" + file() + ": write schema analytics/jaffle/marts failed: ")
            .hasMessageContaining("SQLITE_BUSY");
      } finally {
        statement.execute("ROLLBACK");
        impatient.close();
      }
    }
    assertThat(store.schema("analytics/jaffle", "marts")).isEmpty();
  }

  @Test
  void closedStoreRefusesWork() {
    store.close();

    assertThatThrownBy(() -> store.schemas("analytics/jaffle"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "state store sqlite:" + file() + " is closed; cannot list schemas of analytics/jaffle");
  }
}
