package io.dbtoperator.run;

import io.dbtoperator.plan.ManifestNode;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.state.Lease;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStoreException;
import io.dbtoperator.warehouse.GrantDrift;
import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.SchemaGrants;
import io.dbtoperator.warehouse.SchemaTag;
import io.dbtoperator.warehouse.StagingSchema;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One run of one schema: a small state machine over {@link RunStep}s whose progress is kept in the
 * run history, so that a process that dies anywhere can be restarted and finish the same run.
 *
 * <p>Each step is idempotent, and the warehouse itself records whether the swap happened (the live
 * schema's tag names the run that built it), so a step repeated after a crash never swaps twice.
 */
final class SchemaRun {
  private static final String DBT_LOG = "dbt.log";
  private static final String BUILDING = "building: ";

  private final RunContext context;
  private final PlanStep step;
  private final SchemaNode schema;
  private final RunId.Kind kind;
  private final List<String> notices = new ArrayList<>();
  private RunRecord run;
  private RunId runId;
  private DbtProgress progress = new DbtProgress();

  SchemaRun(RunContext context, PlanStep step, SchemaNode schema, RunId.Kind kind) {
    this.context = context;
    this.step = step;
    this.schema = schema;
    this.kind = kind;
  }

  /**
   * Carries the run as far as it goes without waiting on dbt: the warehouse steps, and the build
   * when the executor finishes it within the call.
   *
   * @return the outcome, or empty while the build is still going (the lease stays held, and a later
   *     call picks up where this one stopped)
   */
  Optional<SchemaOutcome> advance() {
    Optional<Lease> lease =
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
    boolean finished = false;
    try {
      run = resumeOrStart();
      if (!building()) {
        context.listener().started(schema.name(), run.id(), describe());
      }
      Optional<SchemaOutcome> outcome = kind.swaps() ? runSteps(lease.get()) : runInPlace();
      finished = outcome.isPresent();
      return outcome;
    } finally {
      if (finished || run == null || run.status() != RunStatus.RUNNING) {
        context.store().releaseLease(lease.get());
      }
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

  /** The swapping kinds: staging, clone, build and test, grant, swap, record, cleanup. */
  private Optional<SchemaOutcome> runSteps(Lease lease) {
    StagingSchema staging = new StagingSchema(context.project(), schema.name(), run.id());
    RunStep last = RunStep.named(run.lastCompletedStep());
    for (RunStep next : RunStep.values()) {
      if (last != null && next.ordinal() <= last.ordinal()) {
        continue;
      }
      if (!context.store().renewLease(lease, context.settings().leaseTtl())) {
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
      context.hook().afterStep(schema.name(), next);
      updateRun(run.status(), null, next, next == RunStep.BUILD ? "built" : null);
    }
    String message = notices.isEmpty() ? "live" : String.join("; ", notices);
    updateRun(RunStatus.SUCCESSFUL, now(), RunStep.CLEANUP, message);
    return Optional.of(outcome(SchemaOutcome.Result.LIVE, run.id(), message));
  }

  /** What a step came to: done, failed with live untouched, or a build still running. */
  private record StepResult(String failure, String running) {
    static final StepResult DONE = new StepResult(null, null);
  }

  private StepResult perform(RunStep next, StagingSchema staging) {
    switch (next) {
      case PREPARE_STAGING -> context.warehouse().createStaging(staging);
      case CLONE -> context.warehouse().cloneLive(staging, relationsToKeep());
      case BUILD -> {
        return build(staging);
      }
      case GRANT -> grant(staging);
      case SWAP -> {
        if (!context.warehouse().swap(staging)) {
          notice("already swapped by an earlier attempt of this run");
        }
      }
      case RECORD -> record();
      case CLEANUP -> cleanup(staging);
    }
    return StepResult.DONE;
  }

  /** Snapshots run on live: a snapshot merges into its own history, which a swap would lose. */
  private Optional<SchemaOutcome> runInPlace() {
    try {
      if (RunStep.named(run.lastCompletedStep()) == null) {
        List<String> snapshots = snapshotSelection();
        StepResult result =
            snapshots.isEmpty() ? StepResult.DONE : runDbt(null, List.of(snapshots), "snapshot");
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
      grantLive();
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
  private void noteBuilding(String detail) {
    String message = BUILDING + detail;
    if (!message.equals(run.message())) {
      updateRun(run.status(), null, null, message);
    }
  }

  private StepResult build(StagingSchema staging) {
    List<List<String>> commands = new ArrayList<>();
    List<String> selection = buildSelection();
    if (!selection.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("build", "--select"));
      args.addAll(selection);
      if (kind == RunId.Kind.FULL_REFRESH) {
        args.add("--full-refresh");
      }
      commands.add(args);
    }
    if (kind.isDeploy()) {
      List<String> snapshots = snapshotSelection();
      if (!snapshots.isEmpty()) {
        commands.add(snapshots);
      }
    }
    return commands.isEmpty() ? StepResult.DONE : runDbt(staging, commands, "build");
  }

  /**
   * Hands the commands to the build executor with the staging redirect for this schema (none when
   * {@code staging} is null), writing dbt's output to the run's log and to the listener.
   */
  private StepResult runDbt(StagingSchema staging, List<List<String>> commands, String what) {
    String runDir = runDir();
    BuildRequest request =
        new BuildRequest(
            run.id(),
            schema.name(),
            runDir,
            staging == null ? Map.of() : Map.of(schema.name(), staging.name()),
            commands,
            queryTag());
    Path log = context.workspace().root().resolve(runDir).resolve(DBT_LOG);
    BuildStatus status;
    try {
      Files.createDirectories(log.getParent());
      try (BufferedWriter writer =
          Files.newBufferedWriter(
              log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        status =
            context
                .builds()
                .advance(
                    request,
                    line -> {
                      try {
                        writer.write(line);
                        writer.write(System.lineSeparator());
                      } catch (IOException e) {
                        throw new UncheckedIOException("cannot write " + log, e);
                      }
                      if (progress.accept(line)) {
                        context.listener().progress(schema.name(), progress);
                      }
                    });
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + log, e);
    }
    if (status instanceof BuildStatus.Running running) {
      return new StepResult(null, running.detail());
    }
    BuildStatus.Finished finished = (BuildStatus.Finished) status;
    if (progress.acceptRunResults(
        context.workspace().targetPath(runDir).resolve("run_results.json"))) {
      context.listener().progress(schema.name(), progress);
    }
    if (finished.exitCode() == 0) {
      return StepResult.DONE;
    }
    // A failed run's files are what explains it; a successful run's are stored when it is recorded.
    uploadArtifactsRetrying("live " + schema.name() + " is unchanged");
    List<String> failed = progress.failedNodes();
    String command = finished.command() == null ? what : finished.command();
    StringBuilder message =
        new StringBuilder("dbt " + command + " failed (exit " + finished.exitCode() + ")");
    if (!failed.isEmpty()) {
      message.append(": ").append(String.join(", ", failed));
    } else {
      message.append(": ").append(progress.describeFailure());
    }
    message.append("; live ").append(schema.name()).append(" is unchanged");
    return new StepResult(message.toString(), null);
  }

  private String runDir() {
    return "runs/" + schema.name() + "/" + run.id();
  }

  private String queryTag() {
    return "{\"app\":\"dbt-operator\",\"project\":\""
        + context.project().replace("\"", "")
        + "\",\"schema\":\""
        + schema.name()
        + "\",\"run\":\""
        + run.id()
        + "\"}";
  }

  /** dbt selectors (fully qualified names) of the models and seeds this run builds. */
  private List<String> buildSelection() {
    Set<String> ids = new LinkedHashSet<>();
    boolean partial = context.warehouse().clonesWholeSchema() && kind.isDeploy();
    for (String id : schema.relations()) {
      ManifestNode node = context.workspace().manifest().nodes().get(id);
      if (node == null || node.isSnapshot()) {
        continue;
      }
      if (node.isSeed() && !kind.isDeploy()) {
        continue;
      }
      if (partial && !step.models().contains(id)) {
        continue;
      }
      ids.add(id);
    }
    if (kind.isDeploy()) {
      // Ephemeral models and tests are not relations but are part of the step when they changed.
      for (String id : step.models()) {
        ManifestNode node = context.workspace().manifest().nodes().get(id);
        if (node != null && node.isModel() && !node.isSnapshot()) {
          ids.add(id);
        }
      }
    }
    return selectors(ids);
  }

  /** The snapshot command for this run: all of the schema's snapshots that the step names. */
  private List<String> snapshotSelection() {
    Set<String> ids = new LinkedHashSet<>();
    for (String id : schema.relations()) {
      ManifestNode node = context.workspace().manifest().nodes().get(id);
      if (node != null
          && node.isSnapshot()
          && (step.snapshotsOnly() || step.models().contains(id))) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> args = new ArrayList<>(List.of("snapshot", "--select"));
    args.addAll(selectors(ids));
    return args;
  }

  private List<String> selectors(Set<String> ids) {
    List<String> selectors = new ArrayList<>();
    for (String id : ids) {
      ManifestNode node = context.workspace().manifest().nodes().get(id);
      selectors.add(node.fqn().isEmpty() ? node.name() : String.join(".", node.fqn()));
    }
    return selectors;
  }

  /**
   * Live relations staging must hold before the build: snapshots (their history), incremental
   * models (unless fully refreshed) and every relation the build does not create.
   */
  private List<String> relationsToKeep() {
    Set<String> built = new LinkedHashSet<>(buildSelection());
    List<String> keep = new ArrayList<>();
    for (String id : schema.relations()) {
      ManifestNode node = context.workspace().manifest().nodes().get(id);
      if (node == null) {
        continue;
      }
      boolean incremental = "incremental".equals(node.materialized());
      String selector = node.fqn().isEmpty() ? node.name() : String.join(".", node.fqn());
      if (node.isSnapshot()
          || (incremental && kind != RunId.Kind.FULL_REFRESH)
          || !built.contains(selector)) {
        keep.add(node.alias() == null ? node.name() : node.alias());
      }
    }
    return keep;
  }

  private SchemaGrants desiredGrants() {
    return SchemaGrants.of(context.config().effectivePolicy(schema.name()).grants());
  }

  private void grant(StagingSchema staging) {
    if (context.warehouse().schemaExists(schema.name())) {
      GrantDrift liveDrift =
          context.warehouse().currentGrants(schema.name()).driftTo(desiredGrants());
      if (!liveDrift.isEmpty()) {
        notice(
            "grants on live drifted from the desired ones ("
                + liveDrift.describe()
                + "); corrected with the swap");
      }
    }
    context.warehouse().applyGrants(staging.name(), desiredGrants());
  }

  private void grantLive() {
    GrantDrift drift = context.warehouse().applyGrants(schema.name(), desiredGrants());
    if (!drift.isEmpty()) {
      notice("grants corrected: " + drift.describe());
    }
  }

  private void record() {
    Instant startedAt = run.startedAt();
    boolean snapshot = kind == RunId.Kind.SNAPSHOT;
    boolean full = kind == RunId.Kind.FULL_REFRESH || kind == RunId.Kind.FULL_DEPLOY;
    boolean snapshotsTaken = snapshot || kind.isDeploy() && hasSnapshots();
    updateSchemaState(
        current ->
            new SchemaState(
                context.project(),
                schema.name(),
                snapshot ? current.liveCommit() : context.workspace().commit(),
                snapshot ? current.lastRefresh() : startedAt,
                full ? startedAt : current.lastFullRefresh(),
                snapshotsTaken ? startedAt : current.lastSnapshot(),
                0));
    uploadArtifactsRetrying("the schema is live");
  }

  /**
   * Artifacts are the run's record, not its result: a store that keeps failing costs the files,
   * with a warning, and never the outcome ({@code outcome} says what it is).
   */
  private void uploadArtifactsRetrying(String outcome) {
    Retries.failure(Retries.ARTIFACT_ATTEMPTS, this::uploadArtifacts)
        .ifPresent(
            e ->
                notice(
                    "artifacts of run "
                        + run.id()
                        + " not stored after "
                        + Retries.ARTIFACT_ATTEMPTS
                        + " attempts ("
                        + e.getMessage()
                        + "); "
                        + outcome
                        + "; they are kept under "
                        + context.workspace().root().resolve(runDir())));
  }

  private void updateSchemaState(java.util.function.UnaryOperator<SchemaState> change) {
    SchemaStates.update(context.store(), context.project(), schema.name(), change);
  }

  private boolean hasSnapshots() {
    return !snapshotSelection().isEmpty();
  }

  private void uploadArtifacts() {
    Workspace workspace = context.workspace();
    Path dir = workspace.root().resolve(runDir());
    Path log = dir.resolve(DBT_LOG);
    String location = putRunFile(DBT_LOG, log);
    if (location != null) {
      run = withLogLocation(location);
    }
    putRunFile("run_results.json", dir.resolve("target").resolve("run_results.json"));
    putRunFile("manifest.json", workspace.manifestFile());
  }

  /**
   * Stores one of the run's files from the workspace, unless the build stored its own copy (a build
   * pod's, written where dbt ran, is the record; the operator's is what it read through the API).
   *
   * @return where the file is stored, or null when neither copy exists
   */
  private String putRunFile(String name, Path local) {
    if (context.builds().storesRunFiles() && isStored(name)) {
      return context
          .artifacts()
          .runFileLocation(context.artifactKey(), schema.name(), run.id(), name);
    }
    if (!Files.exists(local)) {
      return null;
    }
    return context
        .artifacts()
        .putRunFile(context.artifactKey(), schema.name(), run.id(), name, local);
  }

  private boolean isStored(String name) {
    Optional<java.io.InputStream> stored =
        context.artifacts().openRunFile(context.artifactKey(), schema.name(), run.id(), name);
    if (stored.isEmpty()) {
      return false;
    }
    try {
      stored.get().close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the stored " + name + " of run " + run.id(), e);
    }
    return true;
  }

  private RunRecord withLogLocation(String location) {
    return new RunRecord(
        run.id(),
        run.project(),
        run.schema(),
        run.type(),
        run.status(),
        run.startedAt(),
        run.endedAt(),
        run.counts(),
        location,
        run.lastCompletedStep(),
        run.message(),
        run.version());
  }

  /** Drops previous versions beyond the retention and failed stagings past their TTL. */
  private void cleanup(StagingSchema staging) {
    List<OwnedSchema> owned = context.warehouse().ownedSchemas(schema.name());
    List<OwnedSchema> previous =
        owned.stream().filter(o -> o.tag().role() == SchemaTag.Role.PREVIOUS).toList();
    int excess = previous.size() - context.settings().keepPrevious();
    Instant expiry = now().minus(context.settings().stagingTtl());
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
        } catch (io.dbtoperator.warehouse.WarehouseException e) {
          notice("kept " + candidate.name() + ": " + e.getMessage());
        }
      }
    }
  }

  private RunRecord resumeOrStart() {
    String commit = context.workspace().commit();
    List<RunRecord> recent =
        context.store().runs(context.project(), schema.name(), null, 20).runs();
    for (RunRecord candidate : recent) {
      if (candidate.status() != RunStatus.RUNNING) {
        continue;
      }
      RunId id = RunId.parse(candidate.id());
      if (id != null && id.isFor(commit, kind)) {
        runId = id;
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
              schema.name(),
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
        runId = id;
        return context.store().run(context.project(), schema.name(), id.value()).orElseThrow();
      }
    }
    throw new StateStoreException("could not find a free run id for " + schema.name());
  }

  /**
   * Ends an unfinished run that no longer matches the plan. If its swap already happened, the
   * warehouse says so, and the store is brought in line before this run starts: the live commit
   * becomes the abbreviated commit in the old run's id, which git resolves like any other.
   */
  private void supersede(RunRecord stale) {
    Optional<SchemaTag> live = context.warehouse().tag(schema.name());
    RunId staleId = RunId.parse(stale.id());
    boolean swapped = staleId != null && live.isPresent() && live.get().runId().equals(stale.id());
    if (swapped) {
      updateSchemaState(
          current ->
              new SchemaState(
                  context.project(),
                  schema.name(),
                  staleId.commitPrefix(),
                  stale.startedAt(),
                  current.lastFullRefresh(),
                  current.lastSnapshot(),
                  0));
      notice("run " + stale.id() + " had gone live before its process stopped; recorded now");
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
    context.store().compareAndSetRun(stale.version(), ended);
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
