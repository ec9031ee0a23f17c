package io.dbtoperator.run;

import io.dbtoperator.warehouse.GrantDrift;
import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.SchemaGrants;
import io.dbtoperator.warehouse.SchemaTag;
import io.dbtoperator.warehouse.StagingSchema;
import io.dbtoperator.warehouse.WarehouseException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;

/**
 * The steps of a schema run that happen in the warehouse: staging, clone, grant, swap, cleanup.
 * What is worth telling the user but does not fail the run goes to {@code notice}.
 */
final class WarehouseSteps {
  private final RunContext context;
  private final String schema;
  private final Consumer<String> notice;

  WarehouseSteps(RunContext context, String schema, Consumer<String> notice) {
    this.context = context;
    this.schema = schema;
    this.notice = notice;
  }

  void createStaging(StagingSchema staging) {
    context.warehouse().createStaging(staging);
  }

  void cloneLive(StagingSchema staging, List<String> relationsToKeep, boolean wholeSchema) {
    context.warehouse().cloneLive(staging, relationsToKeep, wholeSchema);
  }

  void grant(StagingSchema staging) {
    if (context.warehouse().schemaExists(schema)) {
      GrantDrift liveDrift = context.warehouse().currentGrants(schema).driftTo(desiredGrants());
      if (!liveDrift.isEmpty()) {
        notice.accept(
            "grants on live drifted from the desired ones ("
                + liveDrift.describe()
                + "); corrected with the swap");
      }
    }
    context.warehouse().applyGrants(staging.name(), desiredGrants());
  }

  /** Grants on live itself, for the runs that build in place. */
  void grantLive() {
    GrantDrift drift = context.warehouse().applyGrants(schema, desiredGrants());
    if (!drift.isEmpty()) {
      notice.accept("grants corrected: " + drift.describe());
    }
  }

  void swap(StagingSchema staging) {
    if (!context.warehouse().swap(staging)) {
      notice.accept("already swapped by an earlier attempt of this run");
    }
    grantsAfterSwap();
  }

  /**
   * Grants are set on staging before the swap, so that readers never meet the new version without
   * them, and checked again on live after it: a swap need not carry every grant (on Snowflake,
   * grants a schema inherits from its container stay behind, dbt-coves #641). Whatever differs is
   * corrected and reported.
   */
  void grantsAfterSwap() {
    GrantDrift drift = context.warehouse().applyGrants(schema, desiredGrants());
    if (!drift.isEmpty()) {
      notice.accept(
          "grants on the new live differed from the desired ones after the swap ("
              + drift.describe()
              + "); corrected");
    }
  }

  /** Drops previous versions beyond the retention and failed stagings past their TTL. */
  void cleanup(StagingSchema staging) {
    List<OwnedSchema> owned = context.warehouse().ownedSchemas(schema);
    List<OwnedSchema> previous =
        owned.stream().filter(o -> o.tag().role() == SchemaTag.Role.PREVIOUS).toList();
    int excess = previous.size() - context.settings().keepPrevious();
    Instant expiry =
        context
            .clock()
            .instant()
            .truncatedTo(ChronoUnit.MILLIS)
            .minus(context.settings().stagingTtl());
    for (OwnedSchema candidate : owned) {
      boolean oldPrevious =
          candidate.tag().role() == SchemaTag.Role.PREVIOUS && previous.indexOf(candidate) < excess;
      boolean expiredStaging =
          candidate.tag().role() == SchemaTag.Role.STAGING
              && !candidate.name().equals(staging.name())
              && candidate.tag().at().isBefore(expiry);
      if (oldPrevious || expiredStaging) {
        try {
          context.warehouse().drop(candidate.name());
        } catch (WarehouseException e) {
          notice.accept("kept " + candidate.name() + ": " + e.getMessage());
        }
      }
    }
  }

  private SchemaGrants desiredGrants() {
    return SchemaGrants.of(context.config().effectivePolicy(schema).grants());
  }
}
