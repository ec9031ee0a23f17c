package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;

/**
 * Real dbt from the repository's virtualenv, with a Postgres profile it never connects to: what the
 * planner's tests run to get manifests and dbt's own selections.
 */
final class RealDbt {
  private final Path work;

  /**
   * @param work a directory for the profile, the logs and the target directories
   */
  RealDbt(Path work) {
    this.work = work;
  }

  static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("requirements-dbt.lock"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("repository root holding requirements-dbt.lock").isNotNull();
    return dir;
  }

  /** Runs dbt in {@code repo}; returns its output, one line each, after asserting it succeeded. */
  List<String> run(Path repo, String name, List<String> arguments) throws Exception {
    Path dbt = projectRoot().resolve(".venv/bin/dbt");
    assertThat(dbt).as("dbt from the virtualenv; run scripts/setup.sh first").isExecutable();
    Path profiles = work.resolve("profiles");
    Files.createDirectories(profiles);
    Files.writeString(
        profiles.resolve("profiles.yml"),
        """
        dbt_operator:
          target: it
          outputs:
            it: {type: postgres, host: localhost, port: 5432, user: it, password: it, dbname: it, schema: public, threads: 1}
        """);
    Path log = work.resolve("dbt-" + name + ".log");
    List<String> command = new ArrayList<>();
    command.add(dbt.toString());
    command.addAll(arguments);
    command.addAll(List.of("--profiles-dir", profiles.toString()));
    Process process =
        new ProcessBuilder(command)
            .directory(repo.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(log)).isZero();
    return Files.readAllLines(log);
  }

  /** {@code dbt parse} into target-NAME; returns the manifest. */
  Path parse(Path repo, String name) throws Exception {
    Path target = work.resolve("target-" + name);
    run(repo, name, List.of("parse", "--no-partial-parse", "--target-path", target.toString()));
    return target.resolve("manifest.json");
  }

  /**
   * The models {@code dbt ls -s state:modified+} selects in {@code repo} against the manifest in
   * {@code state}; dbt writes the repository's own manifest into target-NAME on the way.
   */
  List<String> stateModified(Path repo, Path state, String name) throws Exception {
    List<String> output =
        run(
            repo,
            "ls-" + name,
            List.of(
                "ls",
                "--quiet",
                "--no-partial-parse",
                "-s",
                "state:modified+",
                "--state",
                state.toString(),
                "--resource-type",
                "model",
                "--output",
                "json",
                "--output-keys",
                "unique_id",
                "--target-path",
                work.resolve("target-" + name).toString()));
    ObjectMapper json = new ObjectMapper();
    List<String> selected = new ArrayList<>();
    for (String line : output) {
      if (!line.isBlank()) {
        selected.add(json.readTree(line).get("unique_id").asText());
      }
    }
    return selected;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path dest = to.resolve(from.relativize(file).toString());
        Files.createDirectories(dest.getParent());
        Files.copy(file, dest, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Commits everything in {@code repo}, creating the repository on the first call. */
  static String commitAll(Path repo, String message) throws Exception {
    try (Git git =
        Files.exists(repo.resolve(".git"))
            ? Git.open(repo.toFile())
            : Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").setUpdate(false).call();
      git.add().addFilepattern(".").setUpdate(true).call();
      return git.commit().setMessage(message).setAuthor("it", "it@example.invalid").call().name();
    }
  }
}
