package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.TestProject;
import io.dbtoperator.run.PostgresHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator image that Jib builds (scripts/image.sh, on a base made from this machine's JDK,
 * since no registry is reachable here), unpacked and run as a container runtime would run it: its
 * layers as the root filesystem, its entrypoint, user and environment, a fresh /proc. The pods the
 * operator makes give the image only arguments, so each of their commands runs here that way.
 */
class ImageIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path CHROOT = Path.of("/usr/sbin/chroot");

  @TempDir static Path temp;
  static Path rootfs;
  static JsonNode config;

  record Result(int exitCode, String output) {}

  @BeforeAll
  static void buildAndUnpack() throws Exception {
    boolean canRun =
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(CHROOT)
            && Files.isExecutable(Path.of("/usr/bin/unshare"));
    assumeTrue(
        canRun,
        "ImageIT runs the image in a chroot with its own /proc, which needs root, chroot and"
            + " unshare: skipped");
    Path repository = PostgresHarness.repositoryRoot();
    Result build =
        run(
            repository,
            List.of("bash", "scripts/image.sh"),
            List.of("IMAGE_BASE=local", "PATH=" + System.getenv("PATH")),
            15);
    assertThat(build.exitCode()).as(build.output()).isZero();

    Path image = temp.resolve("image");
    Files.createDirectories(image);
    Result untar =
        run(
            image,
            List.of("tar", "-xf", repository.resolve("operator/target/jib-image.tar").toString()),
            List.of(),
            2);
    assertThat(untar.exitCode()).as(untar.output()).isZero();
    JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
    config = JSON.readTree(image.resolve(manifest.get("Config").asText()).toFile()).get("config");
    rootfs = temp.resolve("rootfs");
    Files.createDirectories(rootfs);
    for (JsonNode layer : manifest.get("Layers")) {
      Result extracted =
          run(
              rootfs,
              List.of(
                  "tar",
                  "--warning=no-unknown-keyword",
                  "-xzf",
                  image.resolve(layer.asText()).toString()),
              List.of(),
              2);
      assertThat(extracted.exitCode()).as(extracted.output()).isZero();
    }
  }

  @Test
  void theEntrypointIsTheCliRunAsANonRootUser() throws Exception {
    assertThat(config.get("User").asText()).isEqualTo("65532:65532");
    assertThat(config.get("Entrypoint").toString()).contains("io.dbtoperator.cli.Main");

    Result version = runInImage("--version");
    assertThat(version.exitCode()).as(version.output()).isZero();
    assertThat(version.output().strip()).isEqualTo("dbt-operator 0.1.0");
  }

  @Test
  void theCheckoutContainerClonesTheProjectAtItsCommit() throws Exception {
    // A repository inside the image's filesystem, where the chrooted process can read it.
    TestProject project = TestProject.shop(rootfs.resolve("tmp/source"));
    String commit = project.commit("shop");

    Result checkout =
        runInImage(
            "checkout", "--url", "/tmp/source", "--commit", commit, "--dest", "/tmp/checkout");

    assertThat(checkout.exitCode()).as(checkout.output()).isZero();
    Path cloned = rootfs.resolve("tmp/checkout/dbt_project.yml");
    assertThat(cloned).hasSameTextualContentAs(rootfs.resolve("tmp/source/dbt_project.yml"));
    assertThat(Files.getAttribute(cloned, "unix:uid"))
        .as("written by the image's user")
        .isEqualTo(65532);
  }

  @Test
  void everyCommandThePodsRunIsInTheImage() throws Exception {
    for (String command :
        List.of("operator", "trigger", "upload-run-artifacts", "upload-manifest", "checkout")) {
      Result help = runInImage(command, "--help");
      assertThat(help.exitCode()).as(command + ": " + help.output()).isZero();
      assertThat(help.output()).as(command).contains("Usage: dbt-operator " + command);
    }
  }

  /** The image's entrypoint with {@code args}, as its user, in its filesystem and environment. */
  private static Result runInImage(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--fork",
                "sh",
                "-c",
                "mount -t proc proc \"$0/proc\" && exec env -i \"$@\"",
                rootfs.toString()));
    config.get("Env").forEach(e -> command.add(e.asText()));
    command.addAll(
        List.of(CHROOT.toString(), "--userspec=" + config.get("User").asText(), rootfs.toString()));
    config.get("Entrypoint").forEach(e -> command.add(e.asText()));
    command.addAll(List.of(args));
    return run(temp, command, List.of(), 3);
  }

  private static Result run(Path dir, List<String> command, List<String> env, int minutes)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.redirectErrorStream(true);
    for (String variable : env) {
      int equals = variable.indexOf('=');
      builder.environment().put(variable.substring(0, equals), variable.substring(equals + 1));
    }
    Path log = Files.createTempFile(temp, "run", ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not end in " + minutes + " minutes");
    }
    return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
