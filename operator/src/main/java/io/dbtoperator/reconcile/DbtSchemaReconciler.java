package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.api.DbtSchemaStatus;
import io.dbtoperator.api.DeletionPolicy;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The deletion of DbtSchemas (everything else about them is the project reconciler's). A DbtSchema
 * with deletionPolicy Drop carries a finalizer, and its project another, so that the project's
 * warehouse settings outlive the drop; Retain needs none, since nothing happens on deletion. It is
 * called for every event, deletions included, because it adds and removes its finalizer itself: the
 * SDK's own finalizer handling would put one on every DbtSchema.
 */
@ControllerConfiguration(
    name = "dbtschema",
    triggerReconcilerOnAllEvents = true,
    informer =
        @Informer(
            onUpdateFilter = SchemaUpdateFilter.class,
            itemStore = CacheWithoutManagedFields.class))
public final class DbtSchemaReconciler implements Reconciler<DbtSchema> {
  private final OperatorSettings settings;
  private final Clock clock;

  public DbtSchemaReconciler(OperatorSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /** A project's events reach its DbtSchemas: its deletion starts theirs. */
  @Override
  public List<EventSource<?, DbtSchema>> prepareEventSources(
      EventSourceContext<DbtSchema> context) {
    InformerEventSource<DbtProject, DbtSchema> projects =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(DbtProject.class, DbtSchema.class)
                .withSecondaryToPrimaryMapper(
                    project ->
                        context
                            .getPrimaryCache()
                            .list(project.getMetadata().getNamespace())
                            .filter(
                                s ->
                                    project
                                        .getMetadata()
                                        .getName()
                                        .equals(s.getSpec().projectRef()))
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(
                    (DbtSchema schema) ->
                        java.util.Set.of(
                            new ResourceID(
                                schema.getSpec().projectRef(),
                                schema.getMetadata().getNamespace())))
                .withItemStore(new CacheWithoutManagedFields<>())
                .build(),
            context);
    return List.of(projects);
  }

  @Override
  public UpdateControl<DbtSchema> reconcile(DbtSchema schema, Context<DbtSchema> context) {
    if (context.isPrimaryResourceDeleted()) {
      return UpdateControl.noUpdate();
    }
    KubernetesClient client = context.getClient();
    DbtProject project = context.getSecondaryResource(DbtProject.class).orElse(null);
    boolean drop = schema.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Drop;
    boolean holds = schema.hasFinalizer(Labels.DROP_FINALIZER);
    if (!schema.isMarkedForDeletion()) {
      if (drop && !holds) {
        if (project != null && !project.isMarkedForDeletion()) {
          PrimaryUpdateAndCacheUtils.addFinalizer(client, project, Labels.PROJECT_DROP_FINALIZER);
        }
        PrimaryUpdateAndCacheUtils.addFinalizer(client, schema, Labels.DROP_FINALIZER);
      } else if (!drop && holds) {
        release(client, context.getPrimaryCache(), schema, project);
      }
      if (drop && project != null && project.isMarkedForDeletion()) {
        // Owned DbtSchemas are only collected once the project is gone, which waits for them.
        client.resource(schema).delete();
      }
      return UpdateControl.noUpdate();
    }
    if (!holds) {
      return UpdateControl.noUpdate();
    }
    if (!drop) {
      // The policy was set back to Retain during the deletion: the way to call a drop off.
      release(client, context.getPrimaryCache(), schema, project);
      return UpdateControl.noUpdate();
    }
    SchemaDrop.Outcome outcome =
        new SchemaDrop(client, clock, settings.holder()).attempt(schema, project);
    Events events = new Events(client, clock);
    if (outcome.done()) {
      events.record(schema, outcome.warning(), outcome.reason(), outcome.message());
      release(client, context.getPrimaryCache(), schema, project);
      return UpdateControl.noUpdate();
    }
    DbtSchemaStatus previous = schema.getStatus();
    DbtSchemaStatus next = waiting(schema, outcome);
    if (Objects.equals(previous, next)) {
      return UpdateControl.<DbtSchema>noUpdate().rescheduleAfter(settings.gitPoll());
    }
    events.record(schema, true, outcome.reason(), outcome.message());
    schema.setStatus(next);
    return UpdateControl.patchStatus(schema).rescheduleAfter(settings.gitPoll());
  }

  private DbtSchemaStatus waiting(DbtSchema schema, SchemaDrop.Outcome outcome) {
    DbtSchemaStatus previous = schema.getStatus();
    long generation =
        schema.getMetadata().getGeneration() == null ? 0 : schema.getMetadata().getGeneration();
    List<Condition> conditions =
        Conditions.of(
            outcome.reason().equals("DropBlocked")
                ? Conditions.State.STALLED
                : Conditions.State.WAITING,
            outcome.reason(),
            outcome.message(),
            generation,
            previous == null ? null : previous.conditions(),
            clock.instant());
    return previous == null
        ? new DbtSchemaStatus(
            generation,
            conditions,
            "Deleting",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null)
        : new DbtSchemaStatus(
            generation,
            conditions,
            "Deleting",
            previous.liveCommit(),
            previous.liveCommitShort(),
            previous.lastRefresh(),
            previous.lastFullRefresh(),
            previous.nextDue(),
            previous.lastRun(),
            previous.lastHandledRefresh(),
            previous.lastHandledFullRefresh(),
            previous.lastHandledRollback());
  }

  /**
   * Removes the schema's finalizer, and the project's when no other DbtSchema of it still holds
   * one.
   */
  private static void release(
      KubernetesClient client,
      IndexedResourceCache<DbtSchema> schemas,
      DbtSchema schema,
      DbtProject project) {
    PrimaryUpdateAndCacheUtils.removeFinalizer(client, schema, Labels.DROP_FINALIZER);
    if (project == null || !project.hasFinalizer(Labels.PROJECT_DROP_FINALIZER)) {
      return;
    }
    boolean othersHold =
        schemas
            .list(schema.getMetadata().getNamespace())
            .filter(s -> !s.getMetadata().getUid().equals(schema.getMetadata().getUid()))
            .filter(s -> project.getMetadata().getName().equals(s.getSpec().projectRef()))
            .anyMatch(s -> s.hasFinalizer(Labels.DROP_FINALIZER));
    if (!othersHold) {
      PrimaryUpdateAndCacheUtils.removeFinalizer(client, project, Labels.PROJECT_DROP_FINALIZER);
    }
  }
}
