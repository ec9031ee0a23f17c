package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.run.PostgresHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/aot-cache.sh and scripts/dbt-operator, run as users run them, on the built jar: the cache
 * is made with a Java 25 or newer when the machine has one, the launcher's plans on it are the same
 * as without it, and a cache older than the jar is left alone.
 */
class AotCacheIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static Path root;
  private static Path jar;
  private static Path cache;
  private static Result made;

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void makeTheCache() throws Exception {
    root = PostgresHarness.repositoryRoot();
    // A link of the built jar in a folder of the test's own: the cache is made beside it.
    jar = dir.resolve("dbt-operator.jar");
    Files.createSymbolicLink(jar, root.resolve("operator/target/dbt-operator.jar"));
    cache = dir.resolve("dbt-operator.aot");
    made = run(List.of("bash", root.resolve("scripts/aot-cache.sh").toString()), Map.of());
    // The training's own project and manifests serve as the plan's input below.
    AotTraining.main(new String[] {dir.resolve("input").toString()});
  }

  @Test
  void theCacheIsMadeWithAJava25OrSaysThereIsNone() throws Exception {
    assertThat(made.exit()).as(made.err()).isZero();
    if (Files.exists(cache)) {
      assertThat(made.err()).contains("aot training: planned 480 models twice");
      String java = Files.readString(dir.resolve("dbt-operator.aot.java")).strip();
      assertThat(run(List.of(java, "-version"), Map.of()).err())
          .containsPattern("version \"(2[5-9]|[3-9][0-9])");
    } else {
      assertThat(made.err()).contains("no Java 25 or newer found (set AOT_JAVA)");
    }
  }

  @Test
  void theLaunchersPlanIsTheSameWithTheCacheAndItsClassesComeFromIt() throws Exception {
    Path classes = dir.resolve("classes-with-cache.log");
    Result launched = launcher(classes);
    Result plain =
        run(
            concat(
                List.of(
                    "java", "-jar", root.resolve("operator/target/dbt-operator.jar").toString()),
                plan()),
            Map.of());

    assertThat(launched.exit()).as(launched.err()).isEqualTo(Main.CHANGES);
    assertThat(plain.exit()).as(plain.err()).isEqualTo(Main.CHANGES);
    assertThat(JSON.readTree(launched.out())).isEqualTo(JSON.readTree(plain.out()));
    assertThat(JSON.readTree(launched.out()).get("summary").asText()).contains("deploy");
    if (Files.exists(cache)) {
      assertThat(loadedFromCache(classes, "io.dbtoperator.cli.PlanCommand")).isTrue();
      // picocli is compiled from its sources for Java 17: its own jar's classes can't be cached.
      assertThat(loadedFromCache(classes, "picocli.CommandLine")).isTrue();
    }
  }

  @Test
  void aPlanRunsNoGitProcess() throws Exception {
    // A git first on the PATH that records each call and fails: JGit asks git where its system
    // config is unless it is told (JGitRepository), two processes in a cold plan.
    Path bin = Files.createDirectories(dir.resolve("recording-git"));
    Path calls = dir.resolve("git-calls.log");
    Path git = bin.resolve("git");
    Files.writeString(git, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\nexit 1\n");
    git.toFile().setExecutable(true);

    Result launched =
        run(
            concat(List.of(root.resolve("scripts/dbt-operator").toString()), plan()),
            Map.of("PATH", bin + ":" + System.getenv("PATH")));

    assertThat(launched.exit()).as(launched.err()).isEqualTo(Main.CHANGES);
    assertThat(calls).doesNotExist();
  }

  @Test
  void aCacheOlderThanTheJarIsNotUsed() throws Exception {
    if (!Files.exists(cache)) {
      return;
    }
    Path stale = dir.resolve("stale");
    Files.createDirectories(stale);
    Path staleJar = stale.resolve("dbt-operator.jar");
    Files.createSymbolicLink(staleJar, root.resolve("operator/target/dbt-operator.jar"));
    Files.copy(cache, stale.resolve("dbt-operator.aot"));
    Files.copy(dir.resolve("dbt-operator.aot.java"), stale.resolve("dbt-operator.aot.java"));
    Files.setLastModifiedTime(stale.resolve("dbt-operator.aot"), FileTime.from(Instant.EPOCH));
    Path classes = stale.resolve("classes.log");

    Result launched =
        run(
            concat(List.of(root.resolve("scripts/dbt-operator").toString()), plan()),
            Map.of(
                "DBT_OPERATOR_JAR",
                staleJar.toString(),
                "DBT_OPERATOR_JAVA_OPTS",
                "-Xlog:class+load:file=" + classes));

    assertThat(launched.exit()).as(launched.err()).isEqualTo(Main.CHANGES);
    assertThat(loadedFromCache(classes, "io.dbtoperator.cli.PlanCommand")).isFalse();
  }

  private static Result launcher(Path classLog) throws Exception {
    return run(
        concat(List.of(root.resolve("scripts/dbt-operator").toString()), plan()),
        Map.of(
            "DBT_OPERATOR_JAR",
            jar.toString(),
            "DBT_OPERATOR_JAVA_OPTS",
            "-Xlog:class+load:file=" + classLog));
  }

  private static List<String> plan() {
    Path input = dir.resolve("input");
    return List.of(
        "plan",
        "--repo",
        input.resolve("repo").toString(),
        "--from",
        "HEAD~1",
        "--to",
        "HEAD",
        "--from-manifest",
        input.resolve("from.json").toString(),
        "--to-manifest",
        input.resolve("to.json").toString(),
        "--output",
        "json");
  }

  /** Whether the JVM's class-load log says the class came from the AOT cache. */
  private static boolean loadedFromCache(Path classLog, String className) throws IOException {
    return Files.readAllLines(classLog).stream()
        .filter(line -> line.contains(" " + className + " source: "))
        .anyMatch(line -> line.endsWith("source: shared objects file"));
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static Result run(List<String> command, Map<String, String> environment)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("DBT_OPERATOR_JAR", jar.toString());
    builder.environment().putAll(environment);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int exit = process.waitFor();
    return new Result(
        exit,
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
