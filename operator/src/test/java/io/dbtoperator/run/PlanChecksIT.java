package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.plan.PlanException;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.PostgresSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a deploy checks before it touches the warehouse: ownership of the schemas, name lengths,
 * settings and privileges. A refused deploy changes neither the warehouse nor the state store.
 */
class PlanChecksIT {
  static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

  @TempDir Path temp;
  PostgresSettings pg;
  GitFixture git;
  StateStore store;

  @BeforeEach
  void setUp() {
    pg = PostgresHarness.newDatabase("checks");
    git = new GitFixture(temp.resolve("repo"));
    store = SqliteStateStore.open(temp.resolve("state.db"), Clock.fixed(T0, ZoneOffset.UTC));
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  ProjectRunner runner(String project, PostgresSettings warehouse, boolean takeOver) {
    return runner(project, warehouse, takeOver, T0);
  }

  ProjectRunner runner(String project, PostgresSettings warehouse, boolean takeOver, Instant now) {
    return new ProjectRunner(
        project,
        JGitRepository.open(git.dir()),
        ".",
        temp.resolve("work"),
        store,
        new PostgresTarget(warehouse, "public"),
        new LocalDbtExecutor(PostgresHarness.dbt()),
        new LocalArtifactStore(temp.resolve("artifacts")),
        new ArtifactStore.ProjectKey("local", project),
        Clock.fixed(now, ZoneOffset.UTC),
        new RunSettings(
            "test", Duration.ofMinutes(30), 1, Duration.ofHours(24), 1, false, takeOver),
        RunListener.NONE,
        StepHook.NONE,
        line -> {});
  }

  static Map<String, String> project(String schema, String operatorYml) {
    Map<String, String> files = new HashMap<>(CrashRecoveryIT.project("v1"));
    files.put(
        "dbt_project.yml",
        "name: mini\nversion: '1.0.0'\nconfig-version: 2\nprofile: mini\n"
            + "models:\n  mini:\n    +schema: "
            + schema
            + "\n");
    if (operatorYml != null) {
      files.put("dbt-operator.yml", operatorYml);
    }
    return files;
  }

  /** Every schema with its comment: what a refused deploy must leave as it was. */
  List<String> warehouse(PostgresSettings settings) {
    return PostgresHarness.rows(
        settings,
        "select nspname || ' ' || coalesce(obj_description(oid, 'pg_namespace'), '') from"
            + " pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'"
            + " order by 1");
  }

  @Test
  void anotherProjectsSchemaIsRefusedNamingTheOwnerUnlessTakenOver() {
    String v1 = git.write(project("core", null)).commit("v1");
    assertThat(runner("shop", pg, false).deploy(v1).outcomes())
        .allMatch(o -> o.result() == SchemaOutcome.Result.LIVE);
    List<String> before = warehouse(pg);

    assertThatThrownBy(() -> runner("other", pg, false).deploy(v1))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith("schema core belongs to project shop (its tag in the warehouse);")
        .hasMessageContaining("--take-over");
    assertThat(warehouse(pg)).isEqualTo(before);
    assertThat(store.schemas("other")).isEmpty();
    assertThat(store.runs("other", "core", null, 5).runs()).isEmpty();

    PostgresSettings elsewhere = PostgresHarness.newDatabase("checks_elsewhere");
    assertThatThrownBy(() -> runner("other", elsewhere, false).deploy(v1))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith("schema core belongs to project shop (the state store);");
    assertThat(warehouse(elsewhere)).noneMatch(line -> line.startsWith("core"));

    assertThat(runner("other", pg, true, T0.plusSeconds(60)).deploy(v1).outcomes())
        .filteredOn(o -> o.schema().equals("core"))
        .singleElement()
        .extracting(SchemaOutcome::result)
        .isEqualTo(SchemaOutcome.Result.LIVE);
    assertThat(warehouse(pg))
        .anyMatch(line -> line.startsWith("core dbt-operator:v1 project=other"));
  }

  @Test
  void aSchemaNameLongerThanTheWarehouseKeepsIsRefusedAtPlanTime() {
    String longName = "s".repeat(70);
    String v1 = git.write(project(longName, null)).commit("long");
    List<String> before = warehouse(pg);

    assertThatThrownBy(() -> runner("mini", pg, false).deploy(v1))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("is 70 bytes long; the warehouse keeps at most 63");
    assertThat(warehouse(pg)).isEqualTo(before);
    assertThat(store.projects()).isEmpty();
  }

  @Test
  void settingsForAnUnknownSchemaOrPrivilegeAreRefusedBeforeTheGrantStep() {
    String unknownSchema =
        git.write(project("core", "schemas:\n  - schema: nosuch\n")).commit("unknown schema");
    assertThatThrownBy(() -> runner("mini", pg, false).deploy(unknownSchema))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "settings (dbt-operator.yml schemas or a DbtSchema) name schema \"nosuch\", which the"
                + " manifest does not have (schemas: core)");

    String unknownPrivilege =
        git.write(
                project(
                    "core", "schemas:\n  - schema: core\n    grants:\n      reporter: [FROB]\n"))
            .commit("unknown privilege");
    assertThatThrownBy(() -> runner("mini", pg, false).deploy(unknownPrivilege))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith(
            "grants of schema core, role reporter: \"FROB\" is not a privilege on tables and views"
                + " here (known: DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE)");
    assertThat(warehouse(pg)).noneMatch(line -> line.startsWith("core"));
    assertThat(store.projects()).isEmpty();
  }
}
