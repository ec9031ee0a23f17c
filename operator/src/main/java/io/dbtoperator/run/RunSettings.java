package io.dbtoperator.run;

import java.time.Duration;

/**
 * Knobs of the run engine.
 *
 * @param holder lease holder name of this process, e.g. "cli@host" or the operator pod
 * @param leaseTtl how long a schema's lease lasts without renewal; renewed before every step
 * @param keepPrevious previous live versions kept per schema for rollback
 * @param stagingTtl how long the staging schema of a failed run is kept for inspection
 * @param threads dbt --threads
 * @param generateDocs whether a deploy ends with dbt docs generate
 * @param takeOver whether schemas that another project owns may be deployed over
 */
public record RunSettings(
    String holder,
    Duration leaseTtl,
    int keepPrevious,
    Duration stagingTtl,
    int threads,
    boolean generateDocs,
    boolean takeOver) {

  public RunSettings(
      String holder,
      Duration leaseTtl,
      int keepPrevious,
      Duration stagingTtl,
      int threads,
      boolean generateDocs) {
    this(holder, leaseTtl, keepPrevious, stagingTtl, threads, generateDocs, false);
  }

  public RunSettings {
    if (keepPrevious < 0) {
      throw new IllegalArgumentException("keepPrevious must be 0 or more: " + keepPrevious);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
  }

  public static RunSettings defaults(String holder) {
    return new RunSettings(holder, Duration.ofMinutes(30), 1, Duration.ofHours(24), 4, true);
  }
}
