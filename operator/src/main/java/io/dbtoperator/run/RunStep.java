package io.dbtoperator.run;

/**
 * The steps of a run that swaps, in order. The state store records the last completed one; a
 * restarted run repeats the step it was in, so every step is idempotent.
 */
public enum RunStep {
  /** Create the staging schema, tagged with the run. */
  PREPARE_STAGING,
  /** Copy the live relations that must keep their history (incrementals, snapshots). */
  CLONE,
  /** dbt build of the schema's nodes into staging, with their tests; snapshots last. */
  BUILD,
  /** Grants on staging, so that they are in place the instant it goes live. */
  GRANT,
  /** Staging becomes live atomically; the old live version is kept as the previous one. */
  SWAP,
  /** Live commit and refresh times in the state store; artifacts uploaded. */
  RECORD,
  /** Drop previous versions beyond the retention and expired failed stagings. */
  CLEANUP;

  public static RunStep named(String name) {
    return name == null ? null : valueOf(name);
  }
}
