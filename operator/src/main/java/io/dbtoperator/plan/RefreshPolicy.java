package io.dbtoperator.plan;

/**
 * When a materialized schema is refreshed. Null cadences mean "never on a schedule".
 *
 * @param every incremental refresh cadence
 * @param fullRefreshEvery cadence of refreshes run with --full-refresh
 * @param snapshotEvery cadence of the schema's snapshots, which run after all model refreshes of a
 *     tick; null means the same as every
 */
public record RefreshPolicy(
    Cadence every, Cadence fullRefreshEvery, Cadence snapshotEvery, RefreshConditions conditions) {

  public static final RefreshPolicy NEVER =
      new RefreshPolicy(null, null, null, RefreshConditions.NONE);
}
