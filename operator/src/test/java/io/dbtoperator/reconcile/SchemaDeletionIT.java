package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.run.PostgresHarness;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * spec.deletionPolicy on the real control plane, with the operator as its own process and the
 * example project live in PostgreSQL: a hand-deleted Drop schema the project still has waits, and a
 * deleted project drops its Drop schemas once no view elsewhere reads them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchemaDeletionIT {
  @TempDir static Path temp;
  static OperatorFixture f;
  static String c1;

  @BeforeAll
  static void start() throws Exception {
    f = new OperatorFixture(temp, "del");
    c1 = f.git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("shop v1");
    f.startOperator("--retry-base", "PT2S", "--git-poll", "PT3S");
    f.client.resource(f.projectResource(c1)).create();
    await("project Ready at " + c1)
        .atMost(OperatorIT.DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c1)).as(f::diagnostics).isTrue());
  }

  @AfterAll
  static void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  @Test
  @Order(1)
  void onlyDropPutsFinalizersOn() {
    setPolicy("reporting", "Drop");
    await("finalizers")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(f.schema("reporting").orElseThrow().getMetadata().getFinalizers())
                  .containsExactly(Labels.DROP_FINALIZER);
              assertThat(f.project().getMetadata().getFinalizers())
                  .containsExactly(Labels.PROJECT_DROP_FINALIZER);
            });
    assertThat(f.schema("marts").orElseThrow().getMetadata().getFinalizers()).isEmpty();
  }

  @Test
  @Order(2)
  void aDropSchemaTheProjectStillHasWaitsUntilCalledOff() {
    DbtSchema reporting = f.schema("reporting").orElseThrow();
    f.client.resource(reporting).delete();

    Condition ready =
        await("DropWaiting")
            .atMost(Duration.ofSeconds(60))
            .until(() -> readyCondition("reporting"), c -> c.isPresent())
            .orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("DropWaiting");
    assertThat(ready.getMessage())
        .startsWith(
            "schema reporting is still in project shop at its live commit " + c1.substring(0, 7));
    assertThat(schemaExists("reporting")).isTrue();

    setPolicy("reporting", "Retain");
    await("the hand-deleted DbtSchema gone, and the project's own back without a finalizer")
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Optional<DbtSchema> recreated = f.schema("reporting");
              assertThat(recreated).isPresent();
              DbtSchema again = recreated.get();
              assertThat(again.getMetadata().getUid())
                  .isNotEqualTo(reporting.getMetadata().getUid());
              assertThat(again.getMetadata().getFinalizers()).isEmpty();
              assertThat(f.project().getMetadata().getFinalizers()).isEmpty();
            });
    assertThat(schemaExists("reporting")).isTrue();
    assertThat(store("reporting").map(SchemaState::liveCommit)).contains(c1);
  }

  @Test
  @Order(3)
  void aDeletedProjectDropsItsDropSchemaOnceNoViewReadsIt() throws Exception {
    setPolicy("marts", "Drop");
    await("the project's finalizer")
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.project().hasFinalizer(Labels.PROJECT_DROP_FINALIZER));
    f.client.resource(f.project()).delete();

    Condition ready =
        await("DropBlocked")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> readyCondition("marts").filter(c -> c.getReason().equals("DropBlocked")),
                Optional::isPresent)
            .orElseThrow();
    assertThat(ready.getMessage())
        .isEqualTo(
            "views reporting.daily_revenue read schema marts; drop or change them, or set"
                + " spec.deletionPolicy to Retain");
    assertThat(f.schema("marts").orElseThrow().getStatus().phase()).isEqualTo("Deleting");
    assertThat(f.reasons()).contains("DropBlocked");
    assertThat(schemaExists("marts")).isTrue();
    assertThat(f.project()).as("the project waits for its Drop schemas").isNotNull();

    sql("drop view reporting.daily_revenue");

    await("marts dropped and the project gone")
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(f.project()).isNull();
              assertThat(schemaExists("marts")).isFalse();
            });
    assertThat(f.reasons()).contains("Dropped");
    assertThat(store("marts").map(SchemaState::liveCommit)).isEmpty();
    assertThat(schemaExists("reporting")).as("Retain keeps it").isTrue();
    assertThat(store("reporting").map(SchemaState::liveCommit)).contains(c1);
    assertThat(
            PostgresHarness.rows(
                f.pg, "select count(*) from pg_namespace where nspname like 'marts%'"))
        .containsExactly("0");
  }

  private static void setPolicy(String schema, String policy) {
    DbtSchema resource = f.schema(schema).orElseThrow();
    f.client
        .resources(DbtSchema.class)
        .inNamespace(f.namespace)
        .withName(resource.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"deletionPolicy\":\"" + policy + "\"}}");
  }

  private static Optional<Condition> readyCondition(String schema) {
    return f.schema(schema)
        .filter(DbtSchema::isMarkedForDeletion)
        .map(DbtSchema::getStatus)
        .flatMap(s -> OperatorFixture.condition(s.conditions(), "Ready"))
        .filter(c -> c.getReason().startsWith("Drop"));
  }

  private static boolean schemaExists(String schema) {
    return PostgresHarness.rows(
            f.pg, "select count(*) from pg_namespace where nspname = '" + schema + "'")
        .equals(java.util.List.of("1"));
  }

  private static Optional<SchemaState> store(String schema) {
    try (StateStore store = SqliteStateStore.open(temp.resolve("state.db"), Clock.systemUTC())) {
      return store.schema("shop", schema).filter(s -> s.liveCommit() != null);
    }
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(f.pg.jdbcUrl(), f.pg.properties());
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
