package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.PostgresSettings;
import io.dbtoperator.warehouse.PostgresWarehouse;
import io.dbtoperator.warehouse.SchemaTag;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CLI, as a user runs it from inside the project's repository with the documented defaults
 * (relative --repo, --work, --state, --artifacts, an embedded PostgreSQL) and a relative --dbt. It
 * is killed with SIGKILL right after each step of a deploy; a single restart must then converge,
 * although the killed process left its PostgreSQL running.
 */
class CliCrashIT {
  @TempDir Path temp;

  record Cli(int exitCode, String output) {}

  static Path jar() {
    Path jar = PostgresHarness.repositoryRoot().resolve("operator/target/dbt-operator.jar");
    assertThat(jar).as("the CLI jar; run mvn package first").isRegularFile();
    return jar;
  }

  static Cli cli(Path dir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.redirectErrorStream(true);
    builder.environment().remove(KILL_VARIABLE);
    builder.environment().putAll(env);
    Path log = Files.createTempFile(dir.getParent(), "cli", ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("the CLI ends").isTrue();
    return new Cli(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  static final String KILL_VARIABLE = "DBT_OPERATOR_TEST_KILL_AFTER";

  static Map<String, String> model(String version) {
    Map<String, String> files = new java.util.HashMap<>(CrashRecoveryIT.project(version));
    files.put(".gitignore", ".venv\n.dbt-operator/\n");
    return files;
  }

  @Test
  void killedAfterEachStepASingleRestartConverges() throws Exception {
    Path repo = temp.resolve("repo");
    GitFixture git = new GitFixture(repo);
    Files.createSymbolicLink(repo.resolve(".venv"), PostgresHarness.dbt().getParent().getParent());
    git.write(model("v0")).commit("v0");

    Cli first = cli(repo, Map.of(), "deploy", "--dbt", ".venv/bin/dbt");
    assertThat(first.exitCode()).as(first.output()).isZero();

    List<String> commits = new ArrayList<>();
    for (RunStep step : RunStep.values()) {
      String version = "v" + (step.ordinal() + 1);
      commits.add(git.write(model(version)).commit(version));

      Cli killed =
          cli(repo, Map.of(KILL_VARIABLE, step.name()), "deploy", "--dbt", ".venv/bin/dbt");
      assertThat(killed.exitCode())
          .as("SIGKILL after " + step + "\n" + killed.output())
          .isEqualTo(137);

      Cli restart = cli(repo, Map.of(), "deploy", "--dbt", ".venv/bin/dbt");
      assertThat(restart.exitCode())
          .as("one restart after a kill after " + step + "\n" + restart.output())
          .isZero();
      assertThat(restart.output()).contains("core           deploy        live");
      try (StateStore store =
          SqliteStateStore.open(repo.resolve(".dbt-operator/state.db"), Clock.systemUTC())) {
        assertThat(store.schema("mini", "core").orElseThrow().liveCommit())
            .as("after " + step)
            .isEqualTo(commits.get(commits.size() - 1));
        assertThat(store.manifest("mini").orElseThrow().commit())
            .isEqualTo(commits.get(commits.size() - 1));
        assertThat(store.runs("mini", "core", null, 50).runs())
            .as("every run finished, none twice")
            .hasSize(step.ordinal() + 2)
            .extracting(RunRecord::status)
            .containsOnly(RunStatus.SUCCESSFUL);
      }
    }

    assertThat(postmasterRunning(repo)).as("the last command stopped its PostgreSQL").isFalse();
    try (EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(repo.resolve(".dbt-operator/postgres"))
            .setCleanDataDirectory(false)
            .start()) {
      PostgresSettings settings =
          new PostgresSettings("localhost", postgres.getPort(), "postgres", "postgres", "", null);
      assertThat(PostgresHarness.rows(settings, "select distinct version from core.a"))
          .containsExactly("v" + RunStep.values().length);
      try (PostgresWarehouse warehouse =
          new PostgresWarehouse(settings, "mini", Clock.systemUTC(), text -> {})) {
        List<OwnedSchema> owned = warehouse.ownedSchemas("core");
        assertThat(owned).as("one previous version, no stray staging").hasSize(1);
        assertThat(owned.get(0).tag().role()).isEqualTo(SchemaTag.Role.PREVIOUS);
      }
    }
  }

  private static boolean postmasterRunning(Path repo) throws IOException {
    Path pid = repo.resolve(".dbt-operator/postgres/postmaster.pid");
    if (!Files.exists(pid)) {
      return false;
    }
    long id = Long.parseLong(Files.readAllLines(pid).get(0).trim());
    return ProcessHandle.of(id).map(ProcessHandle::isAlive).orElse(false);
  }
}
