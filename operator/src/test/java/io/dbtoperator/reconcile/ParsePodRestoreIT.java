package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.LocalArtifactStore;
import io.dbtoperator.run.PartialParse;
import io.dbtoperator.run.PostgresHarness;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore container of a parse pod, as the operator generates it, run as the real CLI against a
 * real local artifact store: it lays the stored partial_parse.msgpack of its key into dbt's target
 * directory, byte for byte, and nothing when the store holds the state of another dbt image or
 * other vars. The pod's /workspace volume is a temporary directory.
 */
class ParsePodRestoreIT {
  private static final String IMAGE_1_9 = "ghcr.io/dbt-labs/dbt-postgres:1.9.latest";
  private static final String PROFILE = "dbt_operator_profile: {}\n";
  private static final byte[] PROJECT_YML =
      "name: shop\nprofile: shop\nvars:\n  region: eu\n".getBytes(StandardCharsets.UTF_8);

  @TempDir Path temp;

  record Ran(int exitCode, String output) {}

  @Test
  void theRestoreContainerPutsTheStoredStateOfItsKeyInDbtsTargetDirectory() throws Exception {
    DbtProject project = project(temp.resolve("artifacts"));
    String key = PartialParse.key(IMAGE_1_9, PROFILE, PROJECT_YML);
    byte[] stored = storeState(key);

    Ran ran = runRestoreContainer(project, key);

    assertThat(ran.exitCode()).as(ran.output()).isZero();
    Path restored = temp.resolve("workspace/run/target/" + PartialParse.FILE);
    assertThat(restored).exists();
    assertThat(Files.readAllBytes(restored)).isEqualTo(stored);
    assertThat(ran.output()).contains("restored the partial-parse state " + key);
  }

  @Test
  void stateStoredForAnotherDbtImageOrOtherVarsIsNotRestored() throws Exception {
    DbtProject project = project(temp.resolve("artifacts"));
    storeState(PartialParse.key(IMAGE_1_9, PROFILE, PROJECT_YML));
    String otherImage =
        PartialParse.key("ghcr.io/dbt-labs/dbt-postgres:1.10.latest", PROFILE, PROJECT_YML);
    String otherVars =
        PartialParse.key(
            IMAGE_1_9,
            PROFILE,
            "name: shop\nprofile: shop\nvars:\n  region: us\n".getBytes(StandardCharsets.UTF_8));

    for (String key : List.of(otherImage, otherVars)) {
      Ran ran = runRestoreContainer(project, key);

      assertThat(ran.exitCode()).as(ran.output()).isZero();
      assertThat(ran.output()).contains("no partial-parse state " + key + " is stored");
      assertThat(temp.resolve("workspace/run/target/" + PartialParse.FILE)).doesNotExist();
    }
  }

  /** What the parse that stored it left in the store: only the newest state is kept. */
  private byte[] storeState(String key) throws IOException {
    byte[] bytes = new byte[4096];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    Path file = temp.resolve("parsed/" + PartialParse.FILE);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    try (LocalArtifactStore store = new LocalArtifactStore(temp.resolve("artifacts"))) {
      assertThat(
              new PartialParse(store, new ArtifactStore.ProjectKey("demo", "shop"))
                  .store(key, file.getParent()))
          .isTrue();
    }
    return bytes;
  }

  private static DbtProject project(Path artifacts) throws IOException {
    String yaml =
        Files.readString(
                PostgresHarness.repositoryRoot()
                    .resolve("examples/01-postgres-local/dbtproject.yaml"))
            .replace("/var/lib/dbt-operator/artifacts", artifacts.toString());
    DbtProject project = Serialization.unmarshal(yaml, DbtProject.class);
    project.getMetadata().setUid("0b7c5a39-5f3e-4d8e-9a63-2f1c0d4e8a11");
    return project;
  }

  /** The parse pod's "restore" init container, run with its arguments and environment. */
  private Ran runRestoreContainer(DbtProject project, String key)
      throws IOException, InterruptedException {
    RunPods.Spec spec =
        new RunPods.Spec(
            "shop-parse-3f2a9c41d0e1",
            "parse",
            "parse-3f2a9c41d0e1",
            "3f2a9c41d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f",
            PROFILE,
            "dbt_operator",
            List.of(List.of("parse")),
            Map.of(),
            Map.of(),
            false,
            "ghcr.io/dbt-operator/dbt-operator:0.1.0",
            3600,
            null,
            null,
            ManifestSource.restore(project, key));
    Pod pod = RunPods.pod(project, spec);
    Container restore =
        pod.getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("restore"))
            .findFirst()
            .orElseThrow();
    Path workspace = temp.resolve("workspace");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar().toString());
    for (String arg : restore.getArgs()) {
      command.add(
          arg.startsWith(RunPods.WORKSPACE + "/")
              ? workspace + arg.substring(RunPods.WORKSPACE.length())
              : arg);
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    for (EnvVar variable : restore.getEnv()) {
      builder.environment().put(variable.getName(), variable.getValue());
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("the command ends").isTrue();
    // The JVM took the pod's options, and the operator leaves its notice out of the log it reads.
    assertThat(output).contains("Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1");
    assertThat(PodLogs.withoutJvmNotice(output)).noneMatch(line -> line.contains("Picked up"));
    return new Ran(process.exitValue(), output);
  }

  private static Path jar() {
    Path jar = PostgresHarness.repositoryRoot().resolve("operator/target/dbt-operator.jar");
    assertThat(jar).as("the CLI jar; run mvn package first").isRegularFile();
    return jar;
  }
}
