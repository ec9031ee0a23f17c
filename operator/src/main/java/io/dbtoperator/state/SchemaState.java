package io.dbtoperator.state;

import java.time.Instant;

/**
 * Live state of one schema of one project, as the state store records it.
 *
 * @param project project key, "namespace/name" for resources or a local name for the CLI
 * @param liveCommit commit whose build is live, null before the first deploy
 * @param lastRefresh last successful build (deploy or refresh) that went live
 * @param lastFullRefresh last successful full refresh or full deploy
 * @param lastSnapshot last successful snapshot run
 * @param version compare-and-set version: 0 for a row that does not exist yet
 */
public record SchemaState(
    String project,
    String schema,
    String liveCommit,
    Instant lastRefresh,
    Instant lastFullRefresh,
    Instant lastSnapshot,
    long version) {

  public static SchemaState absent(String project, String schema) {
    return new SchemaState(project, schema, null, null, null, null, 0);
  }
}
