package io.dbtoperator.state;

import java.time.Instant;
import java.util.Objects;

/**
 * One run of one schema, as kept in the run history.
 *
 * <p>{@code type} and {@code startedAt} are fixed when the run is inserted: history is ordered by
 * {@code startedAt}, and the Cassandra backend clusters rows by it, so it cannot move later.
 *
 * @param id unique within project and schema
 * @param startedAt when the run was queued or started; orders the history
 * @param endedAt null until the run reaches a final status
 * @param logLocation where the full log is kept, null if none
 * @param lastCompletedStep name of the last plan step that finished, null before the first
 * @param message human-readable summary or error, null if none
 * @param version compare-and-set version: 0 before insertion, 1 after
 */
public record RunRecord(
    String id,
    String project,
    String schema,
    RunType type,
    RunStatus status,
    Instant startedAt,
    Instant endedAt,
    RunCounts counts,
    String logLocation,
    String lastCompletedStep,
    String message,
    long version) {

  public RunRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(counts, "counts");
  }
}
