package io.dbtoperator.run;

import java.util.function.Consumer;

/**
 * Runs a build's dbt commands one after the other as local processes in the workspace, each with
 * the staging redirect installed; the call returns when they are over.
 */
public final class LocalBuildExecutor implements BuildExecutor {
  private final Workspace workspace;
  private final WarehouseTarget target;
  private final DbtExecutor dbt;
  private final int threads;

  public LocalBuildExecutor(
      Workspace workspace, WarehouseTarget target, DbtExecutor dbt, int threads) {
    this.workspace = workspace;
    this.target = target;
    this.dbt = dbt;
    this.threads = threads;
  }

  @Override
  public BuildStatus advance(BuildRequest request, Consumer<String> output) {
    String last = "build";
    for (var arguments : request.commands()) {
      last = arguments.get(0);
      StagingRedirect.install(
          workspace.projectDir(),
          workspace.layout(),
          workspace.manifest(),
          request.liveToStaging(),
          target.type().equals("snowflake"));
      DbtProfile profile = target.profile(workspace.profileName(), threads, request.queryTag());
      DbtCommand command = workspace.command(target, profile, arguments, request.runDir());
      output.accept("# " + command);
      int exit = dbt.run(command, output);
      if (exit != 0) {
        return new BuildStatus.Finished(exit, last);
      }
    }
    return new BuildStatus.Finished(0, last);
  }
}
