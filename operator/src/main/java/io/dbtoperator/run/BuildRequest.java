package io.dbtoperator.run;

import java.util.List;
import java.util.Map;

/**
 * The dbt commands of one run of one schema, run in order until one fails.
 *
 * @param runDir directory of the run's files, relative to the workspace root
 * @param liveToStaging the staging redirect: live schema name to staging schema name; empty when
 *     the run builds on live
 * @param commands dbt arguments of each command, without the profile, paths and log options
 * @param queryTag tag for the warehouse sessions of the run
 */
public record BuildRequest(
    String runId,
    String schema,
    String runDir,
    Map<String, String> liveToStaging,
    List<List<String>> commands,
    String queryTag) {

  public BuildRequest {
    liveToStaging = Map.copyOf(liveToStaging);
    commands = commands.stream().map(List::copyOf).toList();
  }
}
