package io.dbtoperator.run;

import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStoreException;
import io.dbtoperator.warehouse.SchemaTag;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the run a schema run continues: the unfinished run of the same commit and kind, resumed
 * after a crash, or a new one. Unfinished runs that no longer match the plan are ended on the way.
 */
final class RunResumption {
  private final RunContext context;
  private final String schema;
  private final RunId.Kind kind;
  private final Consumer<String> notice;

  RunResumption(RunContext context, String schema, RunId.Kind kind, Consumer<String> notice) {
    this.context = context;
    this.schema = schema;
    this.kind = kind;
    this.notice = notice;
  }

  RunRecord resumeOrStart() {
    String commit = context.workspace().commit();
    List<RunRecord> recent = context.store().runs(context.project(), schema, null, 20).runs();
    for (RunRecord candidate : recent) {
      if (candidate.status() != RunStatus.RUNNING) {
        continue;
      }
      RunId id = RunId.parse(candidate.id());
      if (id != null && id.isFor(commit, kind)) {
        return candidate;
      }
      supersede(candidate);
    }
    Instant start = now();
    for (int attempt = 0; attempt < 60; attempt++) {
      RunId id = RunId.of(start.plusSeconds(attempt), commit, kind);
      RunRecord record =
          new RunRecord(
              id.value(),
              context.project(),
              schema,
              context.runType(),
              RunStatus.RUNNING,
              start,
              null,
              RunCounts.NONE,
              null,
              null,
              null,
              0);
      if (context.store().insertRun(record)) {
        return context.store().run(context.project(), schema, id.value()).orElseThrow();
      }
    }
    throw new StateStoreException("could not find a free run id for " + schema);
  }

  /**
   * Ends an unfinished run that no longer matches the plan. If its swap already happened, the
   * warehouse says so, and the store is brought in line before this run starts: the live commit
   * becomes the abbreviated commit in the old run's id, which git resolves like any other.
   */
  private void supersede(RunRecord stale) {
    Optional<SchemaTag> live = context.warehouse().tag(schema);
    RunId staleId = RunId.parse(stale.id());
    boolean swapped = staleId != null && live.isPresent() && live.get().runId().equals(stale.id());
    if (swapped) {
      SchemaStates.update(
          context.store(),
          context.project(),
          schema,
          current ->
              new SchemaState(
                  context.project(),
                  schema,
                  staleId.commitPrefix(),
                  stale.startedAt(),
                  current.lastFullRefresh(),
                  current.lastSnapshot(),
                  0));
      notice.accept(
          "run " + stale.id() + " had gone live before its process stopped; recorded now");
    }
    String message =
        swapped
            ? "went live; recorded by run of " + now()
            : "superseded: the plan changed before this run finished; its staging schema expires"
                + " after "
                + context.settings().stagingTtl();
    RunRecord ended =
        new RunRecord(
            stale.id(),
            stale.project(),
            stale.schema(),
            stale.type(),
            swapped ? RunStatus.SUCCESSFUL : RunStatus.FAILED,
            stale.startedAt(),
            now(),
            stale.counts(),
            stale.logLocation(),
            stale.lastCompletedStep(),
            message,
            stale.version());
    if (context.store().compareAndSetRun(stale.version(), ended)) {
      context.listener().ended(ended);
    }
  }

  private Instant now() {
    return context.clock().instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
