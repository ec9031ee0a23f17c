package io.dbtoperator.run;

import io.dbtoperator.state.RunRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/** A schema run's files (dbt's log, its run results, the manifest) and their place in the store. */
final class RunFiles {
  static final String DBT_LOG = "dbt.log";

  private final RunContext context;
  private final String schema;

  RunFiles(RunContext context, String schema) {
    this.context = context;
    this.schema = schema;
  }

  /** The run's directory in the workspace, where dbt writes its log and target files. */
  static String runDir(String schema, String runId) {
    return "runs/" + schema + "/" + runId;
  }

  /**
   * Artifacts are the run's record, not its result: a store that keeps failing costs the files,
   * with a warning, and never the outcome ({@code outcome} says what it is).
   *
   * @param logStored told where the log is, as soon as it is stored
   * @return the warning when the files could not be stored
   */
  Optional<String> storeRetrying(String runId, String outcome, Consumer<String> logStored) {
    return Retries.failure(Retries.ARTIFACT_ATTEMPTS, () -> store(runId, logStored))
        .map(
            e ->
                "artifacts of run "
                    + runId
                    + " not stored after "
                    + Retries.ARTIFACT_ATTEMPTS
                    + " attempts ("
                    + e.getMessage()
                    + "); "
                    + outcome
                    + "; they are kept under "
                    + context.workspace().root().resolve(runDir(schema, runId)));
  }

  private void store(String runId, Consumer<String> logStored) {
    Workspace workspace = context.workspace();
    Path dir = workspace.root().resolve(runDir(schema, runId));
    String location = putRunFile(runId, DBT_LOG, dir.resolve(DBT_LOG));
    if (location != null) {
      logStored.accept(location);
    }
    putRunFile(runId, "run_results.json", dir.resolve("target").resolve("run_results.json"));
    putRunFile(runId, "manifest.json", workspace.manifestFile());
  }

  /**
   * Stores one of the run's files from the workspace, unless the build stored its own copy (a build
   * pod's, written where dbt ran, is the record; the operator's is what it read through the API).
   *
   * @return where the file is stored, or null when neither copy exists
   */
  private String putRunFile(String runId, String name, Path local) {
    if (context.builds().storesRunFiles() && isStored(runId, name)) {
      return context.artifacts().runFileLocation(context.artifactKey(), schema, runId, name);
    }
    if (!Files.exists(local)) {
      return null;
    }
    return context.artifacts().putRunFile(context.artifactKey(), schema, runId, name, local);
  }

  private boolean isStored(String runId, String name) {
    Optional<InputStream> stored =
        context.artifacts().openRunFile(context.artifactKey(), schema, runId, name);
    if (stored.isEmpty()) {
      return false;
    }
    try {
      stored.get().close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the stored " + name + " of run " + runId, e);
    }
    return true;
  }

  static RunRecord withLogLocation(RunRecord run, String location) {
    return new RunRecord(
        run.id(),
        run.project(),
        run.schema(),
        run.type(),
        run.status(),
        run.startedAt(),
        run.endedAt(),
        run.counts(),
        location,
        run.lastCompletedStep(),
        run.message(),
        run.version());
  }
}
