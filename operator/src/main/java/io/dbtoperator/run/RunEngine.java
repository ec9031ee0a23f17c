package io.dbtoperator.run;

import io.dbtoperator.plan.Action;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.RunType;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.GrantDrift;
import io.dbtoperator.warehouse.SchemaGrants;
import io.dbtoperator.warehouse.Warehouse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Carries out a plan (a deploy) or a refresh tick: one {@link SchemaRun} per step, in the plan's
 * dependency order. A failed schema blocks only the schemas that read from it; they are reported as
 * waiting, and everything unrelated goes live.
 */
public final class RunEngine {
  private final String project;
  private final StateStore store;
  private final WarehouseTarget target;
  private final DbtExecutor dbt;
  private final java.util.function.Function<Workspace, BuildExecutor> builds;
  private final ArtifactStore artifacts;
  private final ArtifactStore.ProjectKey artifactKey;
  private final Clock clock;
  private final RunSettings settings;
  private final RunListener listener;
  private final StepHook hook;

  public RunEngine(
      String project,
      StateStore store,
      WarehouseTarget target,
      DbtExecutor dbt,
      ArtifactStore artifacts,
      ArtifactStore.ProjectKey artifactKey,
      Clock clock,
      RunSettings settings,
      RunListener listener,
      StepHook hook) {
    this(
        project,
        store,
        target,
        dbt,
        workspace -> new LocalBuildExecutor(workspace, target, dbt, settings.threads()),
        artifacts,
        artifactKey,
        clock,
        settings,
        listener,
        hook);
  }

  /**
   * @param builds the executor of each workspace's builds: local processes, or pods that the
   *     operator observes between passes of {@link #advance}
   */
  public RunEngine(
      String project,
      StateStore store,
      WarehouseTarget target,
      DbtExecutor dbt,
      java.util.function.Function<Workspace, BuildExecutor> builds,
      ArtifactStore artifacts,
      ArtifactStore.ProjectKey artifactKey,
      Clock clock,
      RunSettings settings,
      RunListener listener,
      StepHook hook) {
    this.builds = builds;
    this.project = project;
    this.store = store;
    this.target = target;
    this.dbt = dbt;
    this.artifacts = artifacts;
    this.artifactKey = artifactKey;
    this.clock = clock;
    this.settings = settings;
    this.listener = listener;
    this.hook = hook;
  }

  /**
   * Carries out {@code steps} (a deploy plan's or a refresh tick's) on the workspace's commit.
   *
   * @param deploy true for a deploy: the manifest pointer moves to the commit when every schema
   *     went live, and docs are generated
   */
  public List<SchemaOutcome> apply(
      Workspace workspace,
      OperatorConfig config,
      List<PlanStep> steps,
      RunType type,
      boolean deploy) {
    List<StepProgress> progress =
        advance(workspace, config, steps, type, deploy, Integer.MAX_VALUE, StartPolicy.ALWAYS);
    List<SchemaOutcome> outcomes = new ArrayList<>();
    for (StepProgress step : progress) {
      if (!step.isDone()) {
        throw new IllegalStateException(
            "the build executor left " + step.step().schema() + " unfinished");
      }
      outcomes.add(step.outcome());
    }
    return outcomes;
  }

  /**
   * One pass over {@code steps}, in their dependency order, that never waits on a build: each step
   * whose upstream schemas are done (and live) advances its run as far as it goes, up to {@code
   * maxRunning} runs at once; the others stay pending. When every step is done, a deploy is
   * finished (manifest pointer, docs). Calling it again continues where the last pass stopped, from
   * the state store and the warehouse.
   */
  public List<StepProgress> advance(
      Workspace workspace,
      OperatorConfig config,
      List<PlanStep> steps,
      RunType type,
      boolean deploy,
      int maxRunning,
      StartPolicy policy) {
    SchemaGraph graph = SchemaGraph.build(workspace.manifest(), config);
    List<StepProgress> progress = new ArrayList<>();
    Map<String, SchemaOutcome> blocking = new HashMap<>();
    Map<String, StepProgress> unfinished = new HashMap<>();
    int running = 0;
    try (Warehouse warehouse = target.open(project, clock, text -> listener.notice("", text))) {
      PlanChecks.check(project, store, warehouse, graph, config, steps, settings.takeOver());
      RunContext context =
          new RunContext(
              project,
              store,
              warehouse,
              target,
              dbt,
              builds.apply(workspace),
              artifacts,
              artifactKey,
              workspace,
              config,
              type,
              clock,
              settings,
              listener,
              hook);
      Map<String, StepProgress> groupResults = new HashMap<>();
      for (PlanStep step : steps) {
        String key = step.schema().toLowerCase(Locale.ROOT);
        // A group waits until the upstream schemas of all its members are done.
        List<PlanStep> unit = isGroupRun(step) ? groupSteps(step, steps) : List.of(step);
        Optional<String> upstream =
            unit.stream()
                .flatMap(s -> s.dependsOn().stream())
                .filter(u -> unfinished.containsKey(u.toLowerCase(Locale.ROOT)))
                .findFirst();
        StepProgress result;
        Optional<String> otherRun = otherRunOfSchema(step, steps, unfinished.containsKey(key));
        if (upstream.isPresent() && blockedBy(step, blocking).isEmpty()) {
          result = StepProgress.pending(step, "waiting for " + upstream.get() + " to finish");
        } else if (otherRun.isPresent()) {
          result = StepProgress.pending(step, otherRun.get());
        } else if (!hasRun(step) && running >= maxRunning && isRun(step)) {
          result = StepProgress.pending(step, StepProgress.WAITING_FOR_SLOT);
        } else if (groupResults.containsKey(key)) {
          result = groupResults.get(key);
        } else if (isGroupRun(step)) {
          groupResults.putAll(advanceGroup(context, graph, step, steps, blocking, policy));
          result = groupResults.get(key);
        } else {
          result = advanceStep(context, graph, step, blocking, policy);
        }
        if (result.state() == StepProgress.State.RUNNING) {
          running++;
        }
        if (!result.isDone()) {
          unfinished.put(key, result);
        } else if (result.outcome().result().blocksDependents()) {
          blocking.put(key, result.outcome());
        }
        progress.add(result);
      }
      // A pass that only repeats known failures has nothing new to store; the operator makes many.
      boolean wentLive =
          progress.stream()
              .anyMatch(p -> p.isDone() && p.outcome().result() == SchemaOutcome.Result.LIVE);
      boolean complete =
          progress.stream().allMatch(p -> p.isDone() && !p.outcome().result().blocksDependents());
      if (deploy && progress.stream().allMatch(StepProgress::isDone) && (wentLive || complete)) {
        new DeployFinish(context).finish(progress.stream().map(StepProgress::outcome).toList());
      }
    }
    return progress;
  }

  private boolean isGroupRun(PlanStep step) {
    return !step.group().isEmpty() && isRun(step) && !step.snapshotsOnly();
  }

  /**
   * Advances the run of a group of schemas that read each other (docs/deploys.md): the steps of the
   * plan that list the same group, all at once. A member whose upstream failed holds the group.
   *
   * @return the progress of every member's step, by lower-cased schema name
   */
  private Map<String, StepProgress> advanceGroup(
      RunContext context,
      SchemaGraph graph,
      PlanStep first,
      List<PlanStep> steps,
      Map<String, SchemaOutcome> blocking,
      StartPolicy policy) {
    List<PlanStep> members = groupSteps(first, steps);
    Optional<String> blocked =
        members.stream().map(s -> blockReason(s, blocking)).flatMap(Optional::stream).findFirst();
    for (PlanStep member : members) {
      if (blocked.isPresent()) {
        break;
      }
      // A member held back (suspended, or backing off after failures) holds the whole unit.
      if (!hasRun(member)) {
        blocked = policy.hold(member).map(held -> member.schema() + " is held: " + held.message());
      }
    }
    return GroupRun.advance(context, graph, members, blocked);
  }

  private List<PlanStep> groupSteps(PlanStep member, List<PlanStep> steps) {
    return steps.stream().filter(s -> isGroupRun(s) && s.group().equals(member.group())).toList();
  }

  private boolean isRun(PlanStep step) {
    return step.action() != Action.NOOP && step.action() != Action.RETIRE;
  }

  /**
   * One run at a time per schema: a tick can hold a refresh and a snapshot of the same schema, and
   * the operator's passes would otherwise start both (they share the operator's lease), each
   * superseding the other. A step waits while an earlier step of its schema is unfinished in this
   * pass, or while a run of another of the schema's steps is going.
   */
  private Optional<String> otherRunOfSchema(
      PlanStep step, List<PlanStep> steps, boolean earlierStepUnfinished) {
    if (!isRun(step)) {
      return earlierStepUnfinished
          ? Optional.of("waiting for the other run of " + step.schema())
          : Optional.empty();
    }
    RunId.Kind kind = kindOf(step);
    for (RunRecord run : store.runs(project, step.schema(), null, 5).runs()) {
      RunId id = RunId.parse(run.id());
      if (run.status() != RunStatus.RUNNING || id == null) {
        continue;
      }
      if (id.kind() == kind) {
        // This step's own run is going: it resumes, whatever else waits.
        return Optional.empty();
      }
      boolean anotherStepResumesIt =
          steps.stream()
              .anyMatch(
                  other ->
                      other != step
                          && other.schema().equalsIgnoreCase(step.schema())
                          && isRun(other)
                          && kindOf(other) == id.kind());
      if (anotherStepResumesIt) {
        return Optional.of("waiting for run " + run.id() + " of " + step.schema());
      }
    }
    return earlierStepUnfinished
        ? Optional.of("waiting for the other run of " + step.schema())
        : Optional.empty();
  }

  /** Whether an unfinished run of the step's schema exists, which is resumed whatever the limit. */
  private boolean hasRun(PlanStep step) {
    return store.runs(project, step.schema(), null, 5).runs().stream()
        .anyMatch(r -> r.status() == RunStatus.RUNNING);
  }

  private Optional<SchemaOutcome> blockedBy(PlanStep step, Map<String, SchemaOutcome> blocking) {
    return blockReason(step, blocking)
        .map(reason -> finished(step, SchemaOutcome.Result.WAITING, reason));
  }

  /** Why a step waits on an upstream schema that failed, is busy or waits itself; empty if not. */
  private static Optional<String> blockReason(PlanStep step, Map<String, SchemaOutcome> blocking) {
    for (String upstream : step.dependsOn()) {
      SchemaOutcome blocker = blocking.get(upstream.toLowerCase(Locale.ROOT));
      if (blocker != null) {
        String reason =
            blocker.result() == SchemaOutcome.Result.WAITING
                ? "waiting for " + upstream + ", which is waiting"
                : "waiting for "
                    + upstream
                    + ", which "
                    + (blocker.result() == SchemaOutcome.Result.BUSY ? "is busy" : "failed");
        return Optional.of(reason);
      }
    }
    return Optional.empty();
  }

  private StepProgress advanceStep(
      RunContext context,
      SchemaGraph graph,
      PlanStep step,
      Map<String, SchemaOutcome> blocking,
      StartPolicy policy) {
    Optional<SchemaOutcome> blocked = blockedBy(step, blocking);
    if (blocked.isPresent()) {
      return StepProgress.done(step, blocked.get());
    }
    if (isRun(step) && !hasRun(step)) {
      Optional<SchemaOutcome> held = policy.hold(step);
      if (held.isPresent()) {
        listener.finished(held.get());
        return StepProgress.done(step, held.get());
      }
    }
    SchemaRun run = schemaRun(context, graph, step);
    if (run == null) {
      return StepProgress.done(step, applyWithoutRun(context, graph, step));
    }
    Optional<SchemaOutcome> outcome = run.advance();
    return outcome
        .map(o -> StepProgress.done(step, o))
        .orElseGet(
            () ->
                new StepProgress(
                    step, StepProgress.State.RUNNING, null, run.runId(), run.detail()));
  }

  /** The outcome of a step that needs no run: settings only, a retired schema, a missing one. */
  private SchemaOutcome applyWithoutRun(RunContext context, SchemaGraph graph, PlanStep step) {
    if (step.action() == Action.NOOP) {
      return finished(step, SchemaOutcome.Result.UNCHANGED, applyConfigOnly(context, step));
    }
    if (step.action() == Action.RETIRE) {
      return finished(
          step,
          SchemaOutcome.Result.UNCHANGED,
          "no longer in the project; left in place (dbt-operator does not drop live schemas)");
    }
    return finished(
        step, SchemaOutcome.Result.FAILED, "schema " + step.schema() + " is not in the manifest");
  }

  /** The run of a step that builds; null for steps that need none. */
  private SchemaRun schemaRun(RunContext context, SchemaGraph graph, PlanStep step) {
    if (!isRun(step)) {
      return null;
    }
    Optional<SchemaNode> schema = graph.schema(step.schema());
    if (schema.isEmpty()) {
      return null;
    }
    return new SchemaRun(context, step, schema.get(), kindOf(step));
  }

  static RunId.Kind kindOf(PlanStep step) {
    return step.snapshotsOnly()
        ? RunId.Kind.SNAPSHOT
        : switch (step.action()) {
          case DEPLOY -> RunId.Kind.DEPLOY;
          case FULL_DEPLOY -> RunId.Kind.FULL_DEPLOY;
          case REFRESH -> RunId.Kind.REFRESH;
          case FULL_REFRESH -> RunId.Kind.FULL_REFRESH;
          default -> throw new IllegalStateException("not a run: " + step.action());
        };
  }

  /** Settings that need no rebuild take effect on live at once; today that is grants. */
  private String applyConfigOnly(RunContext context, PlanStep step) {
    if (!step.configChanges().contains("grants")
        || !context.warehouse().schemaExists(step.schema())) {
      return step.configChanges().isEmpty()
          ? "no change"
          : "settings changed: " + String.join(", ", step.configChanges());
    }
    SchemaGrants desired =
        SchemaGrants.of(context.config().effectivePolicy(step.schema()).grants());
    GrantDrift drift = context.warehouse().applyGrants(step.schema(), desired);
    return "grants applied to live: " + drift.describe();
  }

  private SchemaOutcome finished(PlanStep step, SchemaOutcome.Result result, String message) {
    SchemaOutcome outcome =
        new SchemaOutcome(
            step.schema(),
            step.action(),
            step.snapshotsOnly(),
            result,
            null,
            RunCounts.NONE,
            message);
    listener.finished(outcome);
    return outcome;
  }

  /**
   * Makes the newest previous version of {@code schema} live again, with the same atomic swap as a
   * deploy. The replaced version becomes the previous one, so a second rollback undoes the first.
   */
  public SchemaOutcome rollback(String schema) {
    return new SchemaRollback(project, store, target, clock, settings.keepPrevious(), listener)
        .rollback(schema);
  }
}
