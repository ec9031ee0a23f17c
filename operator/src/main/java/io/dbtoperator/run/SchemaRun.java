package io.dbtoperator.run;

import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.state.Lease;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStoreException;
import io.dbtoperator.warehouse.StagingSchema;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One run of one schema: a small state machine over {@link RunStep}s whose progress is kept in the
 * run history, so that a process that dies anywhere can be restarted and finish the same run.
 *
 * <p>Each step is idempotent, and the warehouse itself records whether the swap happened (the live
 * schema's tag names the run that built it), so a step repeated after a crash never swaps twice.
 */
final class SchemaRun {
  private static final String BUILDING = "building: ";

  private final RunContext context;
  private final PlanStep step;
  private final SchemaNode schema;
  private final RunId.Kind kind;
  private final List<String> notices = new ArrayList<>();
  private final RunSelection selection;
  private final WarehouseSteps warehouse;
  private final RunFiles files;
  private final DbtProgress progress = new DbtProgress();
  private RunRecord run;
  private Optional<Lease> lease = Optional.empty();

  SchemaRun(RunContext context, PlanStep step, SchemaNode schema, RunId.Kind kind) {
    this.context = context;
    this.step = step;
    this.schema = schema;
    this.kind = kind;
    this.selection = new RunSelection(context, step, schema, kind);
    this.warehouse = new WarehouseSteps(context, schema.name(), this::notice);
    this.files = new RunFiles(context, schema.name());
  }

  /**
   * Carries the run as far as it goes without waiting on dbt: the warehouse steps, and the build
   * when the executor finishes it within the call.
   *
   * @return the outcome, or empty while the build is still going (the lease stays held, and a later
   *     call picks up where this one stopped)
   */
  Optional<SchemaOutcome> advance() {
    Optional<SchemaOutcome> busy = open();
    if (busy.isPresent()) {
      return busy;
    }
    boolean finished = false;
    try {
      Optional<SchemaOutcome> outcome = kind.swaps() ? runSteps(null) : runInPlace();
      finished = outcome.isPresent();
      return outcome;
    } finally {
      close(finished);
    }
  }

  /**
   * Takes the schema's lease and finds or starts the run.
   *
   * @return a BUSY outcome when another run holds the lease; empty when the run is open
   */
  Optional<SchemaOutcome> open() {
    lease =
        context
            .store()
            .tryAcquireLease(
                context.project(),
                schema.name(),
                context.settings().holder(),
                context.settings().leaseTtl());
    if (lease.isEmpty()) {
      return Optional.of(
          outcome(
              SchemaOutcome.Result.BUSY, null, "another run holds the lease of " + schema.name()));
    }
    boolean opened = false;
    try {
      run = new RunResumption(context, schema.name(), kind, this::notice).resumeOrStart();
      if (!building()) {
        context.listener().started(schema.name(), run.id(), describe());
      }
      opened = true;
      return Optional.empty();
    } finally {
      if (!opened) {
        context.store().releaseLease(lease.get());
      }
    }
  }

  /** Gives the lease back unless the run goes on (a build still running). */
  void close(boolean finished) {
    if (lease.isPresent() && (finished || run == null || run.status() != RunStatus.RUNNING)) {
      context.store().releaseLease(lease.get());
    }
  }

  /** Runs to the end; for executors that finish a build within one call. */
  SchemaOutcome execute() {
    return advance()
        .orElseThrow(() -> new IllegalStateException("the build executor did not finish"));
  }

  /** The run's id, once {@link #advance} has found or started it. */
  String runId() {
    return run == null ? null : run.id();
  }

  /** Where an unfinished run is, e.g. "building: pod Running". */
  String detail() {
    return run == null ? null : run.message();
  }

  private boolean building() {
    return run.message() != null && run.message().startsWith(BUILDING);
  }

  private String describe() {
    RunStep last = RunStep.named(run.lastCompletedStep());
    String what = step.snapshotsOnly() ? "snapshot" : step.action().json();
    return last == null ? what : what + " (resumed after " + last.name().toLowerCase() + ")";
  }

  /**
   * The swapping kinds: staging, clone, build and test, grant, swap, record, cleanup; the steps
   * after the last completed one, up to but excluding {@code stop} (null: to the end).
   *
   * @return the outcome when the run ended; empty while the build runs or when {@code stop} is
   *     reached
   */
  Optional<SchemaOutcome> runSteps(RunStep stop) {
    StagingSchema staging = staging();
    RunStep last = lastCompleted();
    for (RunStep next : RunStep.values()) {
      if (last != null && next.ordinal() <= last.ordinal()) {
        continue;
      }
      if (stop != null && next.ordinal() >= stop.ordinal()) {
        return Optional.empty();
      }
      if (!renewLease()) {
        return Optional.of(
            fail("lost the lease of " + schema.name() + " before " + next, RunCounts.NONE));
      }
      try {
        StepResult result = perform(next, staging);
        if (result.failure() != null) {
          return Optional.of(fail(result.failure(), progress.counts()));
        }
        if (result.running() != null) {
          noteBuilding(result.running());
          return Optional.empty();
        }
      } catch (RuntimeException e) {
        if (e instanceof StateStoreException) {
          throw e;
        }
        if (next.ordinal() <= RunStep.SWAP.ordinal()) {
          return Optional.of(
              fail(next.name().toLowerCase() + ": " + e.getMessage(), progress.counts()));
        }
        // Live has moved: the run went live whatever fails now, and must be recorded so.
        notice(next.name().toLowerCase() + " after the swap failed: " + e.getMessage());
      }
      completed(next);
    }
    String message = notices.isEmpty() ? "live" : String.join("; ", notices);
    updateRun(RunStatus.SUCCESSFUL, now(), RunStep.CLEANUP, message);
    return Optional.of(outcome(SchemaOutcome.Result.LIVE, run.id(), message));
  }

  boolean renewLease() {
    return context.store().renewLease(lease.orElseThrow(), context.settings().leaseTtl());
  }

  /** Records that {@code step} is done, for a step this run did or its group did for it. */
  void completed(RunStep step) {
    context.hook().afterStep(schema.name(), step);
    updateRun(run.status(), null, step, step == RunStep.BUILD ? "built" : null);
  }

  RunStep lastCompleted() {
    return RunStep.named(run.lastCompletedStep());
  }

  /** The check of live's grants that follows a swap ({@link WarehouseSteps#grantsAfterSwap}). */
  void grantsAfterSwap() {
    warehouse.grantsAfterSwap();
  }

  StagingSchema staging() {
    return new StagingSchema(context.project(), schema.name(), run.id());
  }

  String schemaName() {
    return schema.name();
  }

  /** What a step came to: done, failed with live untouched, or a build still running. */
  record StepResult(String failure, String running) {
    static final StepResult DONE = new StepResult(null, null);
  }

  private StepResult perform(RunStep next, StagingSchema staging) {
    switch (next) {
      case PREPARE_STAGING -> warehouse.createStaging(staging);
      case CLONE ->
          warehouse.cloneLive(staging, selection.relationsToKeep(), selection.clonesWholeSchema());
      case BUILD -> {
        return build(staging);
      }
      case GRANT -> warehouse.grant(staging);
      case SWAP -> warehouse.swap(staging);
      case RECORD -> record();
      case CLEANUP -> warehouse.cleanup(staging);
    }
    return StepResult.DONE;
  }

  /** Snapshots run on live: a snapshot merges into its own history, which a swap would lose. */
  private Optional<SchemaOutcome> runInPlace() {
    try {
      if (RunStep.named(run.lastCompletedStep()) == null) {
        List<String> snapshots = selection.snapshots();
        StepResult result =
            snapshots.isEmpty()
                ? StepResult.DONE
                : runDbt(Map.of(), List.of(snapshots), "snapshot");
        if (result.failure() != null) {
          return Optional.of(fail(result.failure(), progress.counts()));
        }
        if (result.running() != null) {
          noteBuilding(result.running());
          return Optional.empty();
        }
        context.hook().afterStep(schema.name(), RunStep.BUILD);
        updateRun(run.status(), null, RunStep.BUILD, "built");
      }
      warehouse.grantLive();
      record();
    } catch (RuntimeException e) {
      if (e instanceof StateStoreException) {
        throw e;
      }
      return Optional.of(fail(e.getMessage(), progress.counts()));
    }
    String message = notices.isEmpty() ? "snapshots taken" : String.join("; ", notices);
    updateRun(RunStatus.SUCCESSFUL, now(), RunStep.RECORD, message);
    return Optional.of(outcome(SchemaOutcome.Result.LIVE, run.id(), message));
  }

  /** Records where a running build is, once per change, so that status can show it. */
  void noteBuilding(String detail) {
    String message = BUILDING + detail;
    if (!message.equals(run.message())) {
      updateRun(run.status(), null, null, message);
    }
  }

  private StepResult build(StagingSchema staging) {
    return buildTogether(List.of(this));
  }

  /**
   * One dbt build for the schemas of {@code members} (this run among them), each redirected to its
   * own staging: schemas that read each other are built in one DAG, so each reads the other's new
   * version. The build runs under this run's id.
   */
  StepResult buildTogether(List<SchemaRun> members) {
    Map<String, String> redirect = new TreeMap<>();
    for (SchemaRun member : members) {
      redirect.put(member.schema.name(), member.staging().name());
    }
    List<List<String>> commands =
        RunSelection.commands(members.stream().map(m -> m.selection).toList(), kind);
    return commands.isEmpty() ? StepResult.DONE : runDbt(redirect, commands, "build");
  }

  /**
   * Hands the commands to the build executor with the staging redirect (live schema to staging;
   * empty for a run on live), writing dbt's output to the run's log and to the listener.
   */
  private StepResult runDbt(
      Map<String, String> redirect, List<List<String>> commands, String what) {
    BuildRequest request =
        new BuildRequest(
            run.id(),
            schema.name(),
            runDir(),
            redirect,
            commands,
            BuildCall.queryTag(context.project(), schema.name(), run.id()));
    BuildStatus status = BuildCall.advance(context, request, progress);
    if (status instanceof BuildStatus.Running running) {
      return new StepResult(null, running.detail());
    }
    BuildStatus.Finished finished = (BuildStatus.Finished) status;
    if (finished.exitCode() == 0) {
      return StepResult.DONE;
    }
    // A failed run's files are what explains it; a successful run's are stored when it is recorded.
    storeFiles("live " + schema.name() + " is unchanged");
    return new StepResult(BuildFailure.describe(finished, what, progress, schema.name()), null);
  }

  private String runDir() {
    return RunFiles.runDir(schema.name(), run.id());
  }

  private void record() {
    Instant startedAt = run.startedAt();
    boolean snapshot = kind == RunId.Kind.SNAPSHOT;
    boolean full = kind == RunId.Kind.FULL_REFRESH || kind == RunId.Kind.FULL_DEPLOY;
    boolean snapshotsTaken = snapshot || kind.isDeploy() && !selection.snapshots().isEmpty();
    SchemaStates.update(
        context.store(),
        context.project(),
        schema.name(),
        current ->
            new SchemaState(
                context.project(),
                schema.name(),
                snapshot ? current.liveCommit() : context.workspace().commit(),
                snapshot ? current.lastRefresh() : startedAt,
                full ? startedAt : current.lastFullRefresh(),
                snapshotsTaken ? startedAt : current.lastSnapshot(),
                0));
    storeFiles("the schema is live");
  }

  private void storeFiles(String outcome) {
    files
        .storeRetrying(run.id(), outcome, location -> run = RunFiles.withLogLocation(run, location))
        .ifPresent(this::notice);
  }

  /** Ends the run as failed, live untouched. */
  SchemaOutcome fail(String message) {
    return fail(message, progress.counts());
  }

  private SchemaOutcome fail(String message, RunCounts counts) {
    updateRun(RunStatus.FAILED, now(), null, message, counts);
    return outcome(SchemaOutcome.Result.FAILED, run.id(), message);
  }

  private void updateRun(RunStatus status, Instant endedAt, RunStep completed, String message) {
    updateRun(status, endedAt, completed, message, progress.counts());
  }

  private void updateRun(
      RunStatus status, Instant endedAt, RunStep completed, String message, RunCounts counts) {
    RunRecord next =
        new RunRecord(
            run.id(),
            run.project(),
            run.schema(),
            run.type(),
            status,
            run.startedAt(),
            endedAt,
            counts,
            run.logLocation(),
            completed == null ? run.lastCompletedStep() : completed.name(),
            message == null ? run.message() : message,
            run.version());
    if (!context.store().compareAndSetRun(run.version(), next)) {
      throw new StateStoreException(
          "run " + run.id() + " of " + schema.name() + " was changed by another process");
    }
    run = context.store().run(run.project(), run.schema(), run.id()).orElseThrow();
    if (status != RunStatus.RUNNING) {
      context.listener().ended(run);
    }
  }

  private void notice(String text) {
    notices.add(text);
    context.listener().notice(schema.name(), text);
  }

  private SchemaOutcome outcome(SchemaOutcome.Result result, String id, String message) {
    SchemaOutcome outcome =
        new SchemaOutcome(
            schema.name(),
            step.action(),
            step.snapshotsOnly(),
            result,
            id,
            progress.counts(),
            message);
    context.listener().finished(outcome);
    return outcome;
  }

  private Instant now() {
    return context.clock().instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
