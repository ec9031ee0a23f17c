package io.dbtoperator.cli;

import io.dbtoperator.run.ArtifactStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The artifacts sidecar of a build pod: once the pod's dbt containers are over, however they ended,
 * stores the run's dbt.log, run_results.json and manifest.json in the artifact store, at the keys
 * the CLI uses. It learns that they are over from the SIGTERM the kubelet sends a native sidecar
 * when the pod's other containers have ended (or the pod fails, hits its deadline or is deleted);
 * see docs/architecture.md.
 */
@Command(
    name = "upload-run-artifacts",
    mixinStandardHelpOptions = true,
    description =
        "Stores a build pod's dbt.log, run_results.json and manifest.json in the artifact store"
            + " when the pod ends (SIGTERM), or at once with --now.")
final class UploadRunArtifactsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PodArtifactOptions options;

  @Option(names = "--schema", required = true, description = "Schema of the run.")
  String schema;

  @Option(names = "--run", required = true, description = "Id of the run.")
  String run;

  @Option(
      names = "--run-dir",
      required = true,
      description = "dbt's run directory: logs/dbt.log and target/ under it.")
  Path runDir;

  @Option(names = "--now", description = "Store at once instead of waiting for SIGTERM.")
  boolean now;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    // Opened before the wait, so that a bad location or missing credentials fail the container at
    // its start, where `kubectl describe` shows it, not silently at the end of the build.
    ArtifactStore store = options.open();
    if (now) {
      try (store) {
        store(store, out);
      }
      return Main.NO_CHANGES;
    }
    CountDownLatch forever = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try (store) {
                    store(store, out);
                  } catch (RuntimeException e) {
                    // The JVM is exiting: the message is the only trace left of the failure; the
                    // operator then stores its own copy of the log.
                    spec.commandLine().getErr().println("error: " + Main.userMessage(e));
                    spec.commandLine().getErr().flush();
                  }
                },
                "upload-run-artifacts"));
    out.println("waiting for the end of the build to store the artifacts of run " + run);
    out.flush();
    forever.await();
    return Main.NO_CHANGES;
  }

  /** The files of the run directory by the name they are stored under. */
  static Map<String, Path> files(Path runDir) {
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("run_results.json", runDir.resolve("target").resolve("run_results.json"));
    files.put("manifest.json", runDir.resolve("target").resolve("manifest.json"));
    // Last: the log then covers what happened before, e.g. a dbt that died writing the results.
    files.put("dbt.log", runDir.resolve("logs").resolve("dbt.log"));
    return files;
  }

  private void store(ArtifactStore store, PrintWriter out) {
    ArtifactStore.ProjectKey key = options.key();
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Path> file : files(runDir).entrySet()) {
      if (!Files.isRegularFile(file.getValue())) {
        missing.add(file.getKey());
        continue;
      }
      store.putRunFile(key, schema, run, file.getKey(), file.getValue());
      out.println("stored " + file.getKey() + " of run " + run);
    }
    if (!missing.isEmpty()) {
      // A build that failed early writes no results; that is an outcome, not an error here.
      out.println("not written by dbt: " + String.join(", ", missing));
    }
    out.flush();
  }
}
