package io.dbtoperator.run;

import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.plan.DueCalculator;
import io.dbtoperator.plan.DueResult;
import io.dbtoperator.plan.DueSchemas;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.PlanException;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.ProjectPlanner;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.state.ManifestPointer;
import io.dbtoperator.state.RunType;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Deploys, refreshes and rolls back one project: the use cases the CLI and the operator share. It
 * observes (state store, git, manifests), plans, and hands the plan to the {@link RunEngine}.
 */
public final class ProjectRunner {
  private final String project;
  private final SourceRepository repository;
  private final String projectDir;
  private final Path workRoot;
  private final StateStore store;
  private final WarehouseTarget target;
  private final DbtExecutor dbt;
  private final ArtifactStore artifacts;
  private final ArtifactStore.ProjectKey artifactKey;
  private final Clock clock;
  private final RunEngine engine;
  private final Consumer<String> dbtOutput;
  private final RunListener listener;
  private final java.util.function.UnaryOperator<OperatorConfig> configOverlay;
  // A runner lives for one operator pass or one CLI command, which reads a commit's manifest from
  // several steps: parsing it once per runner keeps a pass from reading a large manifest 6 times.
  private final java.util.Map<String, Workspace> workspaces = new java.util.HashMap<>();

  /** A deploy: the plan and what became of each of its steps. */
  public record DeployResult(Plan plan, List<SchemaOutcome> outcomes) {}

  /** One non-blocking pass over a deploy: the plan and where each of its steps is. */
  public record DeployProgress(Plan plan, List<StepProgress> steps) {}

  /** One non-blocking pass over a refresh: what is due now and where each of its steps is. */
  public record RefreshProgress(String commit, DueResult due, List<StepProgress> steps) {}

  /** A refresh tick: what was due and what became of it. */
  public record RefreshResult(String commit, DueResult due, List<SchemaOutcome> outcomes) {}

  /**
   * @param workRoot directory for checkouts and dbt output
   * @param dbtOutput receives the output of dbt deps and parse, which belong to no schema
   */
  public ProjectRunner(
      String project,
      SourceRepository repository,
      String projectDir,
      Path workRoot,
      StateStore store,
      WarehouseTarget target,
      DbtExecutor dbt,
      ArtifactStore artifacts,
      ArtifactStore.ProjectKey artifactKey,
      Clock clock,
      RunSettings settings,
      RunListener listener,
      StepHook hook,
      Consumer<String> dbtOutput) {
    this(
        project,
        repository,
        projectDir,
        workRoot,
        store,
        target,
        dbt,
        null,
        artifacts,
        artifactKey,
        clock,
        settings,
        listener,
        hook,
        dbtOutput,
        null);
  }

  /**
   * @param builds runs the builds of each workspace; null: local processes with {@code dbt}
   * @param configOverlay lays settings from elsewhere (the DbtProject and DbtSchema resources) over
   *     those of the repository's dbt-operator.yml at each commit; null: the file alone
   */
  public ProjectRunner(
      String project,
      SourceRepository repository,
      String projectDir,
      Path workRoot,
      StateStore store,
      WarehouseTarget target,
      DbtExecutor dbt,
      java.util.function.Function<Workspace, BuildExecutor> builds,
      ArtifactStore artifacts,
      ArtifactStore.ProjectKey artifactKey,
      Clock clock,
      RunSettings settings,
      RunListener listener,
      StepHook hook,
      Consumer<String> dbtOutput,
      java.util.function.UnaryOperator<OperatorConfig> configOverlay) {
    this.configOverlay = configOverlay;
    this.project = project;
    this.repository = repository;
    this.projectDir = projectDir;
    // dbt runs in the checkout, so every path handed to it must be absolute.
    this.workRoot = workRoot.toAbsolutePath();
    this.store = store;
    this.target = target;
    this.dbt = dbt;
    this.artifacts = artifacts;
    this.artifactKey = artifactKey;
    this.clock = clock;
    this.dbtOutput = dbtOutput;
    this.listener = listener;
    this.engine =
        new RunEngine(
            project,
            store,
            target,
            dbt,
            builds != null
                ? builds
                : workspace -> new LocalBuildExecutor(workspace, target, dbt, settings.threads()),
            artifacts,
            artifactKey,
            clock,
            settings,
            listener,
            hook);
  }

  /** The live commit the project's plans start from: the last commit that fully went live. */
  public Optional<String> liveCommit() {
    return store.manifest(project).map(ManifestPointer::commit);
  }

  /** Plans the change from the live commit to {@code revision}, without running anything. */
  public Plan plan(String revision) {
    String commit = repository.resolve(revision);
    Workspace workspace = workspace(commit);
    return plan(workspace);
  }

  public DeployResult deploy(String revision) {
    String commit = repository.resolve(revision);
    Workspace workspace = workspace(commit);
    Plan plan = plan(workspace);
    listener.planned(plan);
    List<SchemaOutcome> outcomes =
        engine.apply(
            workspace,
            config(commit),
            skipAlreadyLive(plan.schemaSteps(), commit),
            RunType.MANUAL,
            true);
    return new DeployResult(plan, outcomes);
  }

  /**
   * One pass over the deploy of {@code commit} that never waits on a build (see {@link
   * RunEngine#advance}); the operator calls it again whenever a build pod changes.
   */
  public DeployProgress advanceDeploy(String commit, int maxRunning, StartPolicy policy) {
    Workspace workspace = workspace(commit);
    Plan plan = plan(workspace);
    List<StepProgress> steps =
        engine.advance(
            workspace,
            config(commit),
            skipAlreadyLive(plan.schemaSteps(), commit),
            RunType.MANUAL,
            true,
            maxRunning,
            policy);
    return new DeployProgress(plan, steps);
  }

  /** One pass over the refresh of what is due at {@code at} on the live commit. */
  public RefreshProgress advanceRefresh(Instant at, int maxRunning, StartPolicy policy) {
    return advanceRefresh(at, Map.of(), maxRunning, policy);
  }

  /**
   * One pass over a refresh on the live commit: what is due at {@code at} (null: nothing), and the
   * schemas a person asked to refresh whether due or not, which replace a due step of theirs.
   *
   * @param requested schema names to their request: true for a full refresh
   */
  public RefreshProgress advanceRefresh(
      Instant at, Map<String, Boolean> requested, int maxRunning, StartPolicy policy) {
    String commit =
        liveCommit()
            .orElseThrow(
                () ->
                    new PlanException("project " + project + " has no live commit: deploy first"));
    Workspace workspace = workspace(commit);
    OperatorConfig config = config(commit);
    DueResult due = due(workspace, config, at == null ? clock.instant() : at);
    List<PlanStep> steps = new ArrayList<>();
    if (at != null) {
      due.steps().stream()
          .filter(step -> requested.keySet().stream().noneMatch(step.schema()::equalsIgnoreCase))
          .forEach(steps::add);
    }
    List<io.dbtoperator.plan.DueSchema> schemas =
        DueSchemas.of(SchemaGraph.build(workspace.manifest(), config), config);
    requested.forEach(
        (name, full) ->
            schemas.stream()
                .filter(s -> s.name().equalsIgnoreCase(name))
                .findFirst()
                .ifPresent(
                    schema ->
                        steps.add(
                            new PlanStep(
                                schema.name(),
                                full
                                    ? io.dbtoperator.plan.Action.FULL_REFRESH
                                    : io.dbtoperator.plan.Action.REFRESH,
                                List.of((full ? "full refresh" : "refresh") + " requested"),
                                schema.models(),
                                List.of(),
                                null,
                                null,
                                false))));
    List<StepProgress> progress =
        engine.advance(
            workspace,
            config,
            steps,
            requested.isEmpty() ? RunType.SCHEDULED : RunType.MANUAL,
            false,
            maxRunning,
            policy);
    return new RefreshProgress(commit, due, progress);
  }

  /** What is due at {@code at} on the live commit, and when each schema is due next. */
  public DueResult due(Instant at) {
    String commit =
        liveCommit()
            .orElseThrow(
                () ->
                    new PlanException("project " + project + " has no live commit: deploy first"));
    Workspace workspace = workspace(commit);
    return due(workspace, config(commit), at);
  }

  private DueResult due(Workspace workspace, OperatorConfig config, Instant at) {
    SchemaGraph graph = SchemaGraph.build(workspace.manifest(), config);
    Map<String, SchemaState> state = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    store.schemas(project).forEach(s -> state.put(s.schema(), s));
    return new DueCalculator(clock).due(DueSchemas.of(graph, config), state, at);
  }

  /**
   * Refreshes the schemas due at {@code at} (null: now), on the live commit, in dependency order.
   */
  public RefreshResult refresh(Instant at) {
    String commit =
        liveCommit()
            .orElseThrow(
                () ->
                    new PlanException("project " + project + " has no live commit: deploy first"));
    Workspace workspace = workspace(commit);
    OperatorConfig config = config(commit);
    SchemaGraph graph = SchemaGraph.build(workspace.manifest(), config);
    Map<String, SchemaState> state = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    store.schemas(project).forEach(s -> state.put(s.schema(), s));
    DueResult due =
        new DueCalculator(clock)
            .due(DueSchemas.of(graph, config), state, at == null ? clock.instant() : at);
    List<SchemaOutcome> outcomes =
        engine.apply(workspace, config, due.steps(), RunType.SCHEDULED, false);
    return new RefreshResult(commit, due, outcomes);
  }

  public SchemaOutcome rollback(String schema) {
    return engine.rollback(schema);
  }

  private Plan plan(Workspace workspace) {
    Optional<String> from = liveCommit();
    Manifest fromManifest = from.flatMap(this::storedManifest).orElse(null);
    return new ProjectPlanner(repository, projectDir)
        .plan(
            from.orElse(null),
            workspace.commit(),
            fromManifest,
            workspace.manifest(),
            configOverlay == null ? null : config(workspace.commit()));
  }

  /**
   * A deploy that stopped half way leaves the live commit where it was, so the next plan repeats
   * steps of schemas that did go live; those are not built again.
   */
  private List<PlanStep> skipAlreadyLive(List<PlanStep> steps, String commit) {
    List<PlanStep> result = new ArrayList<>();
    for (PlanStep step : steps) {
      boolean live =
          !step.snapshotsOnly()
              && store
                  .schema(project, step.schema())
                  .map(SchemaState::liveCommit)
                  .filter(commit::equals)
                  .isPresent()
              && !hasUnfinishedRun(step.schema());
      if (live && step.action() != io.dbtoperator.plan.Action.NOOP) {
        List<String> reasons = new ArrayList<>(step.reasons());
        reasons.add("already live at " + commit.substring(0, 8));
        result.add(
            new PlanStep(
                step.schema(),
                io.dbtoperator.plan.Action.NOOP,
                reasons,
                List.of(),
                step.dependsOn(),
                step.removed(),
                step.configChanges(),
                false));
      } else {
        result.add(step);
      }
    }
    return result;
  }

  /** A run that recorded its commit but stopped before cleaning up must still be finished. */
  private boolean hasUnfinishedRun(String schema) {
    return store.runs(project, schema, null, 20).runs().stream()
        .anyMatch(run -> run.status() == io.dbtoperator.state.RunStatus.RUNNING);
  }

  private Optional<Manifest> storedManifest(String commit) {
    Optional<InputStream> stream = artifacts.openManifest(artifactKey, commit);
    if (stream.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in = stream.get()) {
      return Optional.of(ManifestReader.read(in, "stored manifest of " + commit.substring(0, 8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stored manifest of " + commit, e);
    }
  }

  /** The settings in force at {@code commit}: the file's, with the overlay laid over them. */
  public OperatorConfig config(String commit) {
    OperatorConfig file = fileConfig(commit);
    return configOverlay == null ? file : configOverlay.apply(file);
  }

  private OperatorConfig fileConfig(String commit) {
    return new ProjectPlanner(repository, projectDir).config(commit);
  }

  /** Where the workspace of a commit lives. */
  public Path workspaceRoot(String commit) {
    return workRoot.resolve(commit.substring(0, 12));
  }

  /**
   * Makes the workspace of {@code commit} from a manifest parsed elsewhere (a parse pod), instead
   * of running dbt parse here.
   */
  public Workspace adoptWorkspace(String commit, InputStream manifest) {
    Workspace adopted =
        Workspace.adopt(repository, projectDir, commit, workspaceRoot(commit), manifest);
    workspaces.put(commit, adopted);
    return adopted;
  }

  /**
   * The workspace of a commit; the operator reuses one already prepared instead of parsing again.
   */
  public Workspace workspace(String commit) {
    if (!workspaces.containsKey(commit) && !Workspace.isPrepared(workspaceRoot(commit))) {
      reuseLiveManifest(commit);
    }
    return workspaces.computeIfAbsent(
        commit,
        c ->
            Workspace.prepare(
                repository,
                projectDir,
                c,
                workspaceRoot(c),
                target,
                dbt,
                new PartialParse(artifacts, artifactKey),
                dbtOutput));
  }

  /**
   * Makes the workspace of {@code commit} from the live commit's manifest when nothing dbt reads
   * changed in between, so that no dbt parse (local or in a pod) is needed.
   *
   * @return whether it did
   */
  public boolean reuseLiveManifest(String commit) {
    if (workspaces.containsKey(commit)) {
      return true;
    }
    Optional<Workspace> reused =
        ManifestReuse.fromLive(
            repository,
            projectDir,
            artifacts,
            artifactKey,
            liveCommit(),
            commit,
            workspaceRoot(commit));
    reused.ifPresent(workspace -> workspaces.put(commit, workspace));
    return reused.isPresent();
  }
}
