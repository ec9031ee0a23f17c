package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Outcome of the latest dbt run, as shown in a resource's status. */
public record RunSummary(
    @JsonPropertyDescription("Identifier of the run, as recorded in the artifact store.") String id,
    @JsonPropertyDescription("What the run did: deploy, full-deploy, refresh or full-refresh.")
        String type,
    @JsonPropertyDescription("Running, Succeeded or Failed.") String status,
    @JsonPropertyDescription("When the run started (RFC 3339).") String started,
    @JsonPropertyDescription("When the run ended (RFC 3339); absent while running.") String ended,
    @JsonPropertyDescription("Number of dbt nodes by result.") Counts counts,
    @JsonPropertyDescription("Human-readable outcome, e.g. the first error.") String message) {

  /** dbt node results of one run. */
  public record Counts(
      @JsonPropertyDescription("Nodes that succeeded (models built, tests passed).")
          Integer succeeded,
      @JsonPropertyDescription("Nodes that errored or whose tests failed.") Integer failed,
      @JsonPropertyDescription("Tests that passed with warnings.") Integer warned,
      @JsonPropertyDescription("Nodes skipped because an upstream node failed.") Integer skipped) {}
}
