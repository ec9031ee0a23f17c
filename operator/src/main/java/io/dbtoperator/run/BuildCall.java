package io.dbtoperator.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One call into the build executor for a run: dbt's output goes to the run's log file and, as
 * progress, to the listener, so a person sees both the whole log and the counts while it builds.
 */
final class BuildCall {
  private BuildCall() {}

  /**
   * Advances the build of {@code request} without waiting on it.
   *
   * @return the executor's status; when finished, {@code progress} holds dbt's final counts
   */
  static BuildStatus advance(RunContext context, BuildRequest request, DbtProgress progress) {
    Path log = context.workspace().root().resolve(request.runDir()).resolve(RunFiles.DBT_LOG);
    BuildStatus status;
    try {
      Files.createDirectories(log.getParent());
      try (BufferedWriter writer =
          Files.newBufferedWriter(
              log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        status =
            context
                .builds()
                .advance(
                    request,
                    line -> {
                      try {
                        writer.write(line);
                        writer.write(System.lineSeparator());
                      } catch (IOException e) {
                        throw new UncheckedIOException("cannot write " + log, e);
                      }
                      if (progress.accept(line)) {
                        context.listener().progress(request.schema(), progress);
                      }
                    });
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + log, e);
    }
    if (status instanceof BuildStatus.Finished
        && progress.acceptRunResults(
            context.workspace().targetPath(request.runDir()).resolve("run_results.json"))) {
      context.listener().progress(request.schema(), progress);
    }
    return status;
  }

  /** The Snowflake QUERY_TAG of a run's statements, naming the app, project, schema and run. */
  static String queryTag(String project, String schema, String runId) {
    return "{\"app\":\"dbt-operator\",\"project\":\""
        + project.replace("\"", "")
        + "\",\"schema\":\""
        + schema
        + "\",\"run\":\""
        + runId
        + "\"}";
  }
}
