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

  /** A deploy: the plan and what became of each of its steps. */
  public record DeployResult(Plan plan, List<SchemaOutcome> outcomes) {}

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
            project, store, target, dbt, artifacts, artifactKey, clock, settings, listener, hook);
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
            workspace, config(commit), skipAlreadyLive(plan.steps(), commit), RunType.MANUAL, true);
    return new DeployResult(plan, outcomes);
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
        .plan(from.orElse(null), workspace.commit(), fromManifest, workspace.manifest(), null);
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

  private OperatorConfig config(String commit) {
    return new ProjectPlanner(repository, projectDir).config(commit);
  }

  private Workspace workspace(String commit) {
    return Workspace.prepare(
        repository,
        projectDir,
        commit,
        workRoot.resolve(commit.substring(0, 12)),
        target,
        dbt,
        dbtOutput);
  }
}
