package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.LocalArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifacts sidecar's upload, run at once (--now) against a local store. */
class UploadRunArtifactsCommandTest {
  private static final ArtifactStore.ProjectKey KEY = new ArtifactStore.ProjectKey("data", "shop");
  private static final String RUN = "20261123080000-3f2a9c41-d";

  @TempDir Path temp;

  private record Result(int exitCode, String out, String err) {}

  private Result upload(Path runDir) {
    return run("local:" + temp.resolve("store"), runDir, "--now");
  }

  private static Result run(String location, Path runDir, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "upload-run-artifacts",
                "--artifacts",
                location,
                "--namespace",
                "data",
                "--project",
                "shop",
                "--schema",
                "marts",
                "--run",
                RUN,
                "--run-dir",
                runDir.toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  private Optional<String> stored(String file) throws IOException {
    try (LocalArtifactStore store = new LocalArtifactStore(temp.resolve("store"))) {
      Optional<InputStream> in = store.openRunFile(KEY, "marts", RUN, file);
      if (in.isEmpty()) {
        return Optional.empty();
      }
      try (InputStream stream = in.get()) {
        return Optional.of(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
  }

  private static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  @Test
  void storesLogResultsAndManifestAtTheKeysOfTheCli() throws IOException {
    Path runDir = temp.resolve("run");
    write(runDir.resolve("logs/dbt.log"), "{\"info\":{\"name\":\"MainReportVersion\"}}\n");
    write(runDir.resolve("target/run_results.json"), "{\"results\":[]}");
    write(runDir.resolve("target/manifest.json"), "{\"nodes\":{}}");

    Result result = upload(runDir);

    assertThat(result.exitCode()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(stored("dbt.log")).contains("{\"info\":{\"name\":\"MainReportVersion\"}}\n");
    assertThat(stored("run_results.json")).contains("{\"results\":[]}");
    assertThat(stored("manifest.json")).contains("{\"nodes\":{}}");
    assertThat(result.out()).contains("stored dbt.log of run " + RUN).doesNotContain("not written");
  }

  @Test
  void aBuildThatFailedEarlyStoresItsLogAndSaysWhatDbtDidNotWrite() throws IOException {
    Path runDir = temp.resolve("run");
    write(runDir.resolve("logs/dbt.log"), "Compilation Error\n");

    Result result = upload(runDir);

    assertThat(result.exitCode()).isZero();
    assertThat(stored("dbt.log")).contains("Compilation Error\n");
    assertThat(stored("run_results.json")).isEmpty();
    assertThat(result.out()).contains("not written by dbt: run_results.json, manifest.json");
  }

  @Test
  void aRunDirectoryDbtNeverWroteStoresNothing() throws IOException {
    Result result = upload(temp.resolve("never-created"));

    assertThat(result.exitCode()).isZero();
    assertThat(stored("dbt.log")).isEmpty();
    assertThat(result.out())
        .contains("not written by dbt: run_results.json, manifest.json, dbt.log");
  }

  @Test
  void aBadLocationFailsAtTheStartNotWhenTheBuildEnds() {
    // without --now: the location is checked before the wait, which would never end here
    Result result = run("ftp://nowhere", temp.resolve("run"));

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).startsWith("error: ").contains("ftp://nowhere");
  }
}
