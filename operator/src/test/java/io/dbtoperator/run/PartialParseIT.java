package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.git.JGitRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With real dbt: the parse of a commit stores dbt's partial-parse state in the artifact store, and
 * the parse of the next commit, in another workspace, restores it and re-reads only the changed
 * file; a commit with other vars has another key and parses in full.
 */
class PartialParseIT {
  private static final int GENERATED_MODELS = 300;

  @TempDir Path temp;

  @Test
  void theNextCommitParsesPartiallyFromTheStoredStateAndOtherVarsParseInFull() throws Exception {
    GitFixture git = new GitFixture(temp.resolve("repo"));
    Map<String, String> models = new HashMap<>();
    for (int i = 0; i < GENERATED_MODELS; i++) {
      models.put(
          "models/staging/gen_" + i + ".sql",
          i == 0 ? "select 0 as id\n" : "select id from {{ ref('gen_" + (i - 1) + "') }}\n");
    }
    git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).write(models);
    String first = git.commit("generated models");
    git.write(Map.of("models/staging/gen_7.sql", "select id + 1 as id from {{ ref('gen_6') }}\n"));
    String second = git.commit("one model changed");
    Path projectYml = git.dir().resolve("dbt_project.yml");
    Files.writeString(projectYml, Files.readString(projectYml) + "\nvars:\n  region: eu\n");
    String third = git.commit("vars changed");

    JGitRepository repository = JGitRepository.open(git.dir());
    PostgresTarget target = new PostgresTarget(PostgresHarness.newDatabase("partial"), "public");
    LocalDbtExecutor dbt = new LocalDbtExecutor(PostgresHarness.dbt());
    assertThat(dbt.version()).hasValueSatisfying(v -> assertThat(v).startsWith("1."));
    LocalArtifactStore artifacts = new LocalArtifactStore(temp.resolve("artifacts"));
    ArtifactStore.ProjectKey key = new ArtifactStore.ProjectKey("local", "shop");
    PartialParse partialParse = new PartialParse(artifacts, key);

    Parse cold = parse(repository, first, target, dbt, partialParse);
    Parse warm = parse(repository, second, target, dbt, partialParse);
    Parse otherVars = parse(repository, third, target, dbt, partialParse);

    assertThat(cold.log()).doesNotContain("Partial parsing enabled");
    assertThat(warm.log()).contains("Partial parsing enabled").contains("1 files changed");
    assertThat(warm.workspace().manifest().nodes().get("model.shop.gen_7").checksum())
        .as("the changed model was read again")
        .isNotEqualTo(cold.workspace().manifest().nodes().get("model.shop.gen_7").checksum());
    assertThat(warm.workspace().manifest().nodes())
        .hasSameSizeAs(cold.workspace().manifest().nodes());
    assertThat(otherVars.log()).doesNotContain("Partial parsing enabled");
    String secondKey = keyAt(repository, second, target, dbt);
    String thirdKey = keyAt(repository, third, target, dbt);
    assertThat(thirdKey).isNotEqualTo(secondKey);
    assertThat(artifacts.openPartialParse(key, secondKey)).as("only the newest is kept").isEmpty();
    assertThat(artifacts.openPartialParse(key, thirdKey)).isPresent();
    System.out.printf(
        "dbt parse of %d models: cold %d ms, from the stored state %d ms, other vars %d ms%n",
        GENERATED_MODELS + 6, cold.millis(), warm.millis(), otherVars.millis());
    assertThat(warm.millis()).as("the partial parse is faster").isLessThan(cold.millis());
  }

  private record Parse(Workspace workspace, String log, long millis) {}

  private Parse parse(
      JGitRepository repository,
      String commit,
      PostgresTarget target,
      LocalDbtExecutor dbt,
      PartialParse partialParse)
      throws IOException {
    List<String> lines = new ArrayList<>();
    long start = System.nanoTime();
    Workspace workspace =
        Workspace.prepare(
            repository,
            ".",
            commit,
            temp.resolve("work/" + commit.substring(0, 12)),
            target,
            dbt,
            partialParse,
            lines::add);
    long millis = (System.nanoTime() - start) / 1_000_000;
    // dbt says whether it parsed partially at debug level: in its log file, not on stdout. Only
    // those lines, so that a failure's message is not buried in the whole log.
    List<String> parsing =
        Files.readAllLines(workspace.root().resolve("parse/logs/dbt.log")).stream()
            .filter(line -> line.contains("artial pars"))
            .toList();
    return new Parse(workspace, String.join("\n", parsing), millis);
  }

  private static String keyAt(
      JGitRepository repository, String commit, PostgresTarget target, LocalDbtExecutor dbt) {
    byte[] projectYml = repository.read(commit, ".", "dbt_project.yml").orElseThrow();
    return PartialParse.key(
        dbt.version().orElseThrow(),
        target.profile(DbtProjectFile.profileName(projectYml), 1, null).toYaml(),
        projectYml);
  }
}
