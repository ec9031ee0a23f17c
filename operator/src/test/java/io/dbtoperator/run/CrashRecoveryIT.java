package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.PostgresSettings;
import io.dbtoperator.warehouse.PostgresWarehouse;
import io.dbtoperator.warehouse.SchemaTag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stops a deploy right after each step's work, before the state store records it, then runs the
 * deploy again in a new engine, as a restarted process would. Every case must converge: the same
 * run finishes, the new version is live exactly once, the old one is kept as the previous version,
 * and the store agrees with the warehouse.
 */
public class CrashRecoveryIT {
  static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
  static final String PROJECT = "mini";

  @TempDir static Path shared;
  static GitFixture git;
  static String v1;
  static String v2;
  static PostgresSettings base;

  /** Thrown by the hook; an Error, so that the engine does not handle it as a failed step. */
  static final class Crash extends Error {
    Crash(String message) {
      super(message);
    }
  }

  /** A one-schema project: a table, an incremental and a view in core, with tests. */
  public static Map<String, String> project(String version) {
    return Map.of(
        "dbt_project.yml",
        "name: mini\nversion: '1.0.0'\nconfig-version: 2\nprofile: mini\n"
            + "models:\n  mini:\n    +schema: core\n",
        "macros/generate_schema_name.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
            + "  {%- if custom_schema_name is none -%}{{ target.schema }}"
            + "{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n{%- endmacro %}\n",
        "models/a.sql",
        "{{ config(materialized='table') }}\nselect 1 as id, '"
            + version
            + "' as version\n"
            + "union all select 2, '"
            + version
            + "'\n",
        "models/b.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\nselect id, version from {{ ref('a') }}\n",
        "models/c.sql",
        "{{ config(materialized='view') }}\nselect * from {{ ref('a') }}\n",
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n");
  }

  @BeforeAll
  static void deployFirstVersion() {
    git = new GitFixture(shared.resolve("repo"));
    v1 = git.write(project("v1")).commit("v1");
    v2 = git.write(project("v2")).commit("v2");
    base = PostgresHarness.newDatabase("crashbase");
    try (StateStore store = SqliteStateStore.open(shared.resolve("base/state.db"), clock(T0))) {
      var first = runner(base, store, shared.resolve("base"), T0, StepHook.NONE).deploy(v1);
      assertThat(first.outcomes()).allMatch(o -> o.result() != SchemaOutcome.Result.FAILED);
    }
  }

  static Clock clock(Instant now) {
    return Clock.fixed(now, ZoneOffset.UTC);
  }

  static ProjectRunner runner(
      PostgresSettings pg, StateStore store, Path dir, Instant now, StepHook hook) {
    return new ProjectRunner(
        PROJECT,
        JGitRepository.open(git.dir()),
        ".",
        dir.resolve("work"),
        store,
        new PostgresTarget(pg, "public"),
        new LocalDbtExecutor(PostgresHarness.dbt()),
        new LocalArtifactStore(dir.resolve("artifacts")),
        new ArtifactStore.ProjectKey("local", PROJECT),
        clock(now),
        new RunSettings("test", Duration.ofMinutes(30), 1, Duration.ofHours(24), 1, false),
        RunListener.NONE,
        hook,
        line -> {});
  }

  @ParameterizedTest
  @EnumSource(RunStep.class)
  void crashAfterStepThenRestartConverges(RunStep crashAfter, @TempDir Path dir)
      throws IOException {
    PostgresSettings pg = PostgresHarness.newDatabase("crash_" + crashAfter.name().toLowerCase());
    PostgresHarness.superuser("drop database " + pg.database());
    PostgresHarness.superuser(
        "create database " + pg.database() + " template " + base.database() + " owner dbt");
    copyTree(shared.resolve("base"), dir);

    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"), clock(T0))) {
      StepHook crash =
          (schema, step) -> {
            if (step == crashAfter) {
              throw new Crash("stopped after " + step);
            }
          };
      assertThatThrownBy(() -> runner(pg, store, dir, T0.plusSeconds(60), crash).deploy(v2))
          .isInstanceOf(Crash.class);
      assertThat(PostgresHarness.rows(pg, "select distinct version from core.a"))
          .as("live is the old or the new version, never neither")
          .hasSize(1)
          .first()
          .isIn("v1", "v2");
      RunRecord crashed = store.runs(PROJECT, "core", null, 1).runs().get(0);
      assertThat(crashed.status()).isEqualTo(RunStatus.RUNNING);

      var resumed = runner(pg, store, dir, T0.plusSeconds(120), StepHook.NONE).deploy(v2);

      assertThat(resumed.outcomes())
          .filteredOn(o -> o.schema().equals("core"))
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.result()).isEqualTo(SchemaOutcome.Result.LIVE);
                assertThat(o.runId()).as("the crashed run is resumed").isEqualTo(crashed.id());
              });
      assertThat(PostgresHarness.rows(pg, "select distinct version from core.a"))
          .containsExactly("v2");
      assertThat(PostgresHarness.rows(pg, "select id || ':' || version from core.b order by id"))
          .containsExactly("1:v2", "2:v2");
      assertThat(store.run(PROJECT, "core", crashed.id()).orElseThrow().status())
          .isEqualTo(RunStatus.SUCCESSFUL);
      assertThat(store.runs(PROJECT, "core", null, 10).runs()).hasSize(2);
      assertThat(store.schema(PROJECT, "core").orElseThrow().liveCommit()).isEqualTo(v2);
      assertThat(store.manifest(PROJECT).orElseThrow().commit()).isEqualTo(v2);
      try (PostgresWarehouse warehouse =
          new PostgresWarehouse(pg, PROJECT, clock(T0), text -> {})) {
        assertThat(warehouse.tag("core").orElseThrow().runId()).isEqualTo(crashed.id());
        List<OwnedSchema> owned = warehouse.ownedSchemas("core");
        assertThat(owned).as("one previous version, no stray staging").hasSize(1);
        assertThat(owned.get(0).tag().role()).isEqualTo(SchemaTag.Role.PREVIOUS);
        assertThat(
                PostgresHarness.rows(
                    pg, "select distinct version from \"" + owned.get(0).name() + "\".a"))
            .as("swapped exactly once: the previous version is v1")
            .containsExactly("v1");
      }
    }
  }

  /**
   * The artifact store fails from the moment live has moved: the run is still live, SUCCESSFUL and
   * cleaned up, with the failure as a warning, and the store agrees with the warehouse.
   */
  @Test
  void artifactStoreFailingAfterTheSwapLeavesTheRunLiveAndRecorded(@TempDir Path dir)
      throws IOException {
    PostgresSettings pg = PostgresHarness.newDatabase("artifact_failure");
    PostgresHarness.superuser("drop database " + pg.database());
    PostgresHarness.superuser(
        "create database " + pg.database() + " template " + base.database() + " owner dbt");
    copyTree(shared.resolve("base"), dir);
    Path runs = dir.resolve("artifacts/local/" + PROJECT + "/runs");
    StepHook breakTheStore =
        (schema, step) -> {
          if (step == RunStep.SWAP) {
            try {
              // A file where the store's directory should be: writes fail, even for root.
              Workspace.deleteRecursively(runs);
              Files.writeString(runs, "not a directory");
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        };

    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"), clock(T0))) {
      var deploy = runner(pg, store, dir, T0.plusSeconds(60), breakTheStore).deploy(v2);

      SchemaOutcome core =
          deploy.outcomes().stream().filter(o -> o.schema().equals("core")).findFirst().get();
      assertThat(core.result()).isEqualTo(SchemaOutcome.Result.LIVE);
      assertThat(core.message()).contains("not stored after 3 attempts").contains("is live");
      RunRecord run = store.run(PROJECT, "core", core.runId()).orElseThrow();
      assertThat(run.status()).isEqualTo(RunStatus.SUCCESSFUL);
      assertThat(run.lastCompletedStep()).isEqualTo("CLEANUP");
      assertThat(store.schema(PROJECT, "core").orElseThrow().liveCommit()).isEqualTo(v2);
      assertThat(store.manifest(PROJECT).orElseThrow().commit()).isEqualTo(v2);
      try (PostgresWarehouse warehouse =
          new PostgresWarehouse(pg, PROJECT, clock(T0), text -> {})) {
        assertThat(warehouse.tag("core").orElseThrow().runId()).isEqualTo(run.id());
        assertThat(warehouse.ownedSchemas("core"))
            .as("--keep-previous 1: one previous version")
            .hasSize(1);
      }

      var again = runner(pg, store, dir, T0.plusSeconds(120), StepHook.NONE).deploy(v2);
      assertThat(again.outcomes()).allMatch(o -> o.result() == SchemaOutcome.Result.UNCHANGED);
      assertThat(store.runs(PROJECT, "core", null, 10).runs())
          .extracting(RunRecord::status)
          .containsOnly(RunStatus.SUCCESSFUL);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path dest = to.resolve(from.relativize(file).toString());
        Files.createDirectories(dest.getParent());
        Files.copy(file, dest, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
