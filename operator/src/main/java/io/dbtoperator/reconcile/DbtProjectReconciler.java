package io.dbtoperator.reconcile;

import io.dbtoperator.api.ApplyMode;
import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.metrics.OperatorMetrics;
import io.dbtoperator.plan.ConfigMapper;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.PlanException;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.run.LocalDbtExecutor;
import io.dbtoperator.run.ProjectRunner;
import io.dbtoperator.run.RunSettings;
import io.dbtoperator.run.StepHook;
import io.dbtoperator.run.StepProgress;
import io.dbtoperator.run.Workspace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.MDC;

/**
 * Observes a DbtProject (its git ref, state store, DbtSchemas and run pods), plans from the live
 * commit to the desired one, and advances the deploy, or a requested refresh, one non-blocking pass
 * at a time. Pod changes wake it; while runs are going it also comes back every few seconds to
 * renew leases and show progress.
 */
@ControllerConfiguration(
    name = "dbtproject",
    generationAwareEventProcessing = false,
    informer =
        @Informer(
            onUpdateFilter = ProjectUpdateFilter.class,
            itemStore = CacheWithoutManagedFields.class))
public final class DbtProjectReconciler implements Reconciler<DbtProject> {
  static final Duration WHILE_RUNNING = Duration.ofSeconds(5);

  private final OperatorSettings settings;
  private final Clock clock;
  private final GitCache git;
  private final ProgressThrottle progress = new ProgressThrottle();
  private final StepHook hook;
  private final OperatorMetrics metrics;
  // Set once by prepareEventSources, before the first pass.
  private volatile InformerEventSource<DbtSchema, DbtProject> schemaSource;

  public DbtProjectReconciler(OperatorSettings settings, Clock clock) {
    this(settings, clock, StepHook.NONE, new OperatorMetrics(new SimpleMeterRegistry(), clock));
  }

  /**
   * @param hook called after each step of a run; the crash tests' kill switch
   * @param metrics what the passes and runs are recorded in
   */
  public DbtProjectReconciler(
      OperatorSettings settings, Clock clock, StepHook hook, OperatorMetrics metrics) {
    this.settings = settings;
    this.clock = clock;
    this.hook = hook;
    this.metrics = metrics;
    this.git = new GitCache(settings.workDir().resolve("git"));
  }

  @Override
  public List<EventSource<?, DbtProject>> prepareEventSources(
      EventSourceContext<DbtProject> context) {
    InformerEventSource<Pod, DbtProject> pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, DbtProject.class)
                .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR)
                .withSecondaryToPrimaryMapper(
                    Mappers.fromLabel(Labels.PROJECT, null, DbtProject.class))
                .withItemStore(new CacheWithoutManagedFields<>(RunPods.CONFIG_ANNOTATION_PREFIX))
                .build(),
            context);
    // Without a primary-to-secondary mapper, the SDK finds a project's DbtSchemas through an index
    // it keeps from the mapper below, in memory; listing them from the API server instead cost a
    // LIST of every DbtSchema of the namespace per lookup, all projects' included.
    InformerEventSource<DbtSchema, DbtProject> schemas =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(DbtSchema.class, DbtProject.class)
                .withSecondaryToPrimaryMapper(
                    schema ->
                        Set.of(
                            new ResourceID(
                                schema.getSpec().projectRef(),
                                schema.getMetadata().getNamespace())))
                // A pass reads the handled requests from the cached status; it finds its own
                // writes there through the informer's temporary cache (SchemaResources), so a
                // status write need not start another pass.
                .withOnUpdateFilter(new SchemaUpdateFilter())
                .withItemStore(new CacheWithoutManagedFields<>())
                .build(),
            context);
    schemaSource = schemas;
    List<EventSource<?, DbtProject>> sources = new ArrayList<>(List.of(pods, schemas));
    sources.addAll(ClockApply.eventSources(context));
    return sources;
  }

  @Override
  public UpdateControl<DbtProject> reconcile(DbtProject project, Context<DbtProject> context) {
    try (MDC.MDCCloseable namespace =
            MDC.putCloseable(RunLog.NAMESPACE, project.getMetadata().getNamespace());
        MDC.MDCCloseable name = MDC.putCloseable(RunLog.PROJECT, project.getMetadata().getName())) {
      return pass(project, context);
    }
  }

  private UpdateControl<DbtProject> pass(DbtProject project, Context<DbtProject> context) {
    KubernetesClient client = context.getClient();
    Instant now = clock.instant();
    ProjectStatusBuilder status = new ProjectStatusBuilder(project, now);
    Events events = new Events(client, clock);
    Transitions transitions = new Transitions(client, project);
    Duration requeue = settings.gitPoll();
    if (project.getSpec().suspend()) {
      status.suspended();
      return finish(project, status, requeue);
    }
    Optional<String> sharedState =
        SharedStateGuard.problem(project, context.getPrimaryCache().list());
    if (sharedState.isPresent()) {
      status.problem(SharedStateGuard.REASON, sharedState.get());
      if (transitions.newStall(status)) {
        events.record(project, true, "Stalled", sharedState.get());
      }
      return finish(project, status, requeue);
    }
    try (ProjectBackends backends =
        ProjectBackends.open(
            project, new Secrets(client, project.getMetadata().getNamespace()), git, clock)) {
      ClockApply.apply(client, project, settings.operatorImage(), ClockApply.cache(context));
      String desired = desiredCommit(project, backends);
      status.desired(desired);
      List<DbtSchema> handWritten =
          context.getSecondaryResources(DbtSchema.class).stream()
              .filter(
                  s ->
                      s.getMetadata().getLabels() == null
                          || !s.getMetadata().getLabels().containsKey(Labels.MANAGED))
              // A DbtSchema being deleted no longer sets anything (its drop waits for the plan).
              .filter(s -> !s.isMarkedForDeletion())
              .toList();
      DbtProjectSpec spec = project.getSpec();
      // Without settings in the resources, plans read dbt-operator.yml alone, as the CLI's do.
      UnaryOperator<OperatorConfig> overlay =
          handWritten.isEmpty() && spec.refresh() == null && spec.defaults() == null
              ? null
              : file ->
                  ConfigMapper.map(
                      spec, handWritten.stream().map(DbtSchema::getSpec).toList(), file);
      ProjectRunner runner =
          runner(client, project, backends, overlay, events, CachedPods.of(context)::get);
      status.live(runner.liveCommit().orElse(null));
      ManifestSource manifests = new ManifestSource(client, project, backends, runner, settings);
      // The live commit's manifest is in the artifact store since it went live; after a restart
      // with an empty work directory, its workspace is made from it before refreshes need it.
      Optional<String> liveCommit = runner.liveCommit();
      if (liveCommit.isPresent()) {
        manifests.ensure(liveCommit.get());
      }
      if (!manifests.ensure(desired)) {
        status.parsing(desired);
        return finish(project, status, WHILE_RUNNING);
      }
      Workspace workspace = runner.workspace(desired);
      SchemaGraph graph = SchemaGraph.build(workspace.manifest(), runner.config(desired));
      SchemaResources schemaResources =
          new SchemaResources(client, project, progress, schemaSource);
      List<String> schemaNames = graph.schemas().stream().map(SchemaNode::name).toList();
      Map<String, DbtSchema> schemas =
          schemaResources.ensure(schemaNames, context.getSecondaryResources(DbtSchema.class));
      ManualRequests requests = new ManualRequests(schemas);
      int runSlots = RunSlots.forProject(project, CachedPods.of(context).list(p -> true), settings);
      SuspendedSchemas suspended = new SuspendedSchemas(schemas.values());
      Plan plan = runner.plan(desired);
      status.plan(plan);
      if (plan.hasChanges() && transitions.newPlan(plan.hash())) {
        events.record(project, false, "Planned", "plan " + plan.hash() + ": " + plan.summary());
      }
      Map<String, StepProgress> steps = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      Set<String> awaiting = new HashSet<>();
      RetryPolicy retries =
          new RetryPolicy(
              backends.store(), project.getMetadata().getName(), desired, now, settings);
      if (plan.hasChanges()) {
        boolean approved =
            project.getSpec().applyMode() != ApplyMode.Manual
                || plan.hash().equals(project.getSpec().approvedPlan());
        if (!approved) {
          status.awaitingApproval(plan);
          plan.schemaSteps().forEach(s -> awaiting.add(s.schema()));
        } else {
          if (project.getSpec().applyMode() == ApplyMode.Manual
              && transitions.wasAwaitingApproval()) {
            events.record(project, false, "PlanApproved", "plan " + plan.hash() + " approved");
          }
          var progress = runner.advanceDeploy(desired, runSlots, suspended.around(retries));
          progress.steps().forEach(s -> steps.put(s.step().schema(), s));
          status.deploying(progress.steps());
          status.live(runner.liveCommit().orElse(null));
          if (runner.liveCommit().filter(desired::equals).isPresent()) {
            // The pass that finished the deploy moved the live commit: nothing is left to plan.
            status.planApplied();
          }
        }
      } else {
        rollBack(client, runner, requests, events, project);
        boolean tick = refreshRequested(project);
        Map<String, Boolean> requested = requests.refreshes();
        if (tick || !requested.isEmpty()) {
          String live = runner.liveCommit().orElse(desired);
          var progress =
              runner.advanceRefresh(
                  tick ? now : null,
                  requested,
                  runSlots,
                  suspended.around(
                      new RetryPolicy(
                              backends.store(),
                              project.getMetadata().getName(),
                              live,
                              now,
                              settings)
                          .except(requested.keySet())));
          progress.steps().forEach(s -> steps.put(s.step().schema(), s));
          for (StepProgress step : progress.steps()) {
            Boolean full = requested.get(step.step().schema());
            // A suspended schema's request waits for it to be resumed.
            if (full != null && step.isDone() && !suspended.contains(step.step().schema())) {
              requests.refreshed(step.step().schema(), full);
            }
          }
          status.refreshing(
              progress.steps(),
              tick ? project.getMetadata().getAnnotations().get(Labels.REFRESH_REQUESTED) : null);
        } else {
          status.ready();
          schemaResources.deleteRetired(schemaNames, schemas);
        }
      }
      status.reconcileRequest(project);
      Map<String, Instant> nextDue =
          runner.liveCommit().isPresent() ? runner.due(now).nextDue() : Map.of();
      metrics.pass(
          project.getMetadata().getNamespace(),
          project.getMetadata().getName(),
          schemaResources.updateStatuses(
              schemas, steps, nextDue, backends.store(), awaiting, requests, now),
          (int) steps.values().stream().filter(StepProgress::waitsForRunSlot).count());
      metrics.retainProjects(context.getPrimaryCache().keys());
      if (steps.values().stream().anyMatch(s -> !s.isDone())) {
        requeue = WHILE_RUNNING;
      }
    } catch (SpecProblem e) {
      status.problem(e.reason(), e.getMessage());
    } catch (PlanException e) {
      status.failed("PlanFailed", e.getMessage());
      requeue = settings.retryCap();
    } catch (io.dbtoperator.warehouse.WarehouseException e) {
      status.failed("WarehouseUnavailable", "spec.warehouse: " + e.getMessage());
      requeue = settings.retryBase();
    } catch (io.dbtoperator.state.StateStoreException e) {
      status.failed("StateStoreUnavailable", "spec.state: " + e.getMessage());
      requeue = settings.retryBase();
    } catch (io.dbtoperator.run.ArtifactStoreException e) {
      status.failed("ArtifactStoreUnavailable", "spec.artifacts: " + e.getMessage());
      requeue = settings.retryBase();
    }
    if (transitions.newStall(status)) {
      events.record(project, true, "Stalled", status.build().conditions().get(0).getMessage());
    }
    return finish(project, status, requeue);
  }

  /**
   * Anything else (the API server refusing a write, a bug) is retried by the SDK with backoff; the
   * status says so meanwhile, without the exception's class.
   */
  @Override
  public ErrorStatusUpdateControl<DbtProject> updateErrorStatus(
      DbtProject project, Context<DbtProject> context, Exception e) {
    ProjectStatusBuilder status = new ProjectStatusBuilder(project, clock.instant());
    status.failed("ReconcileError", String.valueOf(e.getMessage()));
    project.setStatus(status.build());
    return ErrorStatusUpdateControl.patchStatus(project);
  }

  private UpdateControl<DbtProject> finish(
      DbtProject project, ProjectStatusBuilder status, Duration requeue) {
    if (Objects.equals(project.getStatus(), status.build())) {
      return UpdateControl.<DbtProject>noUpdate().rescheduleAfter(requeue);
    }
    project.setStatus(status.build());
    return UpdateControl.patchStatus(project).rescheduleAfter(requeue);
  }

  private static boolean refreshRequested(DbtProject project) {
    Map<String, String> annotations = project.getMetadata().getAnnotations();
    String token = annotations == null ? null : annotations.get(Labels.REFRESH_REQUESTED);
    String handled =
        project.getStatus() == null ? null : project.getStatus().lastHandledRefreshAt();
    return token != null && !token.equals(handled);
  }

  /**
   * Rollbacks are warehouse swaps that take seconds, so they are done inline; each after a fresh
   * read of its DbtSchema, since one made twice undoes itself.
   */
  private static void rollBack(
      KubernetesClient client,
      ProjectRunner runner,
      ManualRequests requests,
      Events events,
      DbtProject project) {
    for (String schema : requests.rollbacks()) {
      if (!requests.rollbackHandledIn(schema, client.resource(requests.resource(schema)).get())) {
        try {
          var outcome = runner.rollback(schema);
          events.record(project, false, "RolledBack", schema + ": " + outcome.message());
        } catch (io.dbtoperator.warehouse.WarehouseException e) {
          events.record(project, true, "RollbackFailed", schema + ": " + e.getMessage());
        }
      }
      requests.rolledBack(schema);
    }
  }

  private String desiredCommit(DbtProject project, ProjectBackends backends) {
    DbtProjectSpec.Git spec = project.getSpec().git();
    String revision =
        spec.commit() != null ? spec.commit() : spec.ref() != null ? spec.ref() : "HEAD";
    try {
      return backends.repository().resolve(revision);
    } catch (PlanException e) {
      throw new SpecProblem(
          "RevisionNotFound",
          (spec.commit() != null ? "spec.git.commit" : "spec.git.ref") + ": " + e.getMessage());
    }
  }

  private ProjectRunner runner(
      KubernetesClient client,
      DbtProject project,
      ProjectBackends backends,
      UnaryOperator<OperatorConfig> overlay,
      Events events,
      Function<ResourceID, Optional<Pod>> cachedPods) {
    String name = project.getMetadata().getName();
    RunSettings runSettings =
        new RunSettings(
            settings.holder(),
            Duration.ofMinutes(30),
            1,
            Duration.ofHours(24),
            settings.threads(),
            false);
    return new ProjectRunner(
        name,
        backends.repository(),
        RunPods.projectDir(project.getSpec().git()),
        settings
            .workDir()
            .resolve("work")
            .resolve(project.getMetadata().getNamespace())
            .resolve(name),
        backends.store(),
        backends.target(),
        settings.dbt() == null ? null : new LocalDbtExecutor(settings.dbt()),
        workspace ->
            new PodBuildExecutor(
                client,
                project,
                workspace,
                backends.target(),
                backends.secretEnv(),
                settings,
                backends.artifacts(),
                backends.artifactKey(project),
                cachedPods),
        backends.artifacts(),
        backends.artifactKey(project),
        clock,
        runSettings,
        new EventListener(events, project)
            .and(new RunLog())
            .and(metrics.runs(project.getMetadata().getNamespace(), name)),
        hook,
        line -> {},
        overlay);
  }
}
