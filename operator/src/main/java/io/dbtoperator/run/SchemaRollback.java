package io.dbtoperator.run;

import io.dbtoperator.plan.Action;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.RunType;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.SchemaTag;
import io.dbtoperator.warehouse.Warehouse;
import io.dbtoperator.warehouse.WarehouseException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Makes a schema's newest previous version live again, and records it as a run. */
record SchemaRollback(
    String project,
    StateStore store,
    WarehouseTarget target,
    Clock clock,
    int keepPrevious,
    RunListener listener) {

  /**
   * Makes the newest previous version of {@code schema} live again, with the same atomic swap as a
   * deploy. The replaced version becomes the previous one, so a second rollback undoes the first.
   */
  SchemaOutcome rollback(String schema) {
    try (Warehouse warehouse = target.open(project, clock, text -> listener.notice(schema, text))) {
      List<OwnedSchema> previous =
          warehouse.ownedSchemas(schema).stream()
              .filter(o -> o.tag().role() == SchemaTag.Role.PREVIOUS)
              .toList();
      if (previous.isEmpty()) {
        throw new WarehouseException(
            "rollback "
                + schema
                + ": no previous version is kept (retention keeps "
                + keepPrevious
                + ")");
      }
      OwnedSchema newest = previous.get(previous.size() - 1);
      Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      RunId restoredRun = RunId.parse(newest.tag().runId());
      String restoredCommit = restoredRun == null ? null : restoredRun.commitPrefix();
      warehouse.restore(schema, newest);
      String message =
          "rolled back to the version built by run "
              + newest.tag().runId()
              + (restoredCommit == null ? "" : " (commit " + restoredCommit + ")");
      recordRollback(schema, restoredCommit, now, message);
      SchemaOutcome outcome =
          new SchemaOutcome(
              schema,
              Action.DEPLOY,
              false,
              SchemaOutcome.Result.LIVE,
              newest.tag().runId(),
              RunCounts.NONE,
              message);
      listener.finished(outcome);
      return outcome;
    }
  }

  /**
   * The store must agree with the warehouse: the schema's live commit becomes the restored
   * version's (abbreviated, as its run id has it), and the history gets a rollback run.
   */
  private void recordRollback(String schema, String commit, Instant now, String message) {
    SchemaStates.update(
        store,
        project,
        schema,
        current ->
            new SchemaState(
                project,
                schema,
                commit == null ? current.liveCommit() : commit,
                current.lastRefresh(),
                current.lastFullRefresh(),
                current.lastSnapshot(),
                0));
    String liveCommit = store.schema(project, schema).map(SchemaState::liveCommit).orElse(null);
    RunId id = RunId.of(now, liveCommit == null ? "00000000" : liveCommit, RunId.Kind.ROLLBACK);
    RunRecord run =
        new RunRecord(
            id.value(),
            project,
            schema,
            RunType.MANUAL,
            RunStatus.SUCCESSFUL,
            now,
            now,
            RunCounts.NONE,
            null,
            RunStep.SWAP.name(),
            message,
            0);
    if (store.insertRun(run)) {
      listener.ended(run);
    }
  }
}
