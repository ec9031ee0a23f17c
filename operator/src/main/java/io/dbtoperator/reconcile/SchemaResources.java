package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.api.DbtSchemaSpec;
import io.dbtoperator.api.DbtSchemaStatus;
import io.dbtoperator.api.RunSummary;
import io.dbtoperator.run.StepProgress;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.dependent.RecentOperationCacheFiller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The project's DbtSchema resources: created for every schema of the manifest that has none
 * (labelled as managed and owned by the project; hand-written ones are never changed), and their
 * status, built fresh and patched only when it changed.
 */
final class SchemaResources {
  private final KubernetesClient client;
  private final DbtProject project;
  private final ProgressThrottle progress;
  private final RecentOperationCacheFiller<DbtSchema> recentWrites;

  /**
   * @param recentWrites the project's DbtSchema informer: the next pass reads what this one wrote
   *     even before the watch brings it back, or it would act on a request it already handled
   */
  SchemaResources(
      KubernetesClient client,
      DbtProject project,
      ProgressThrottle progress,
      RecentOperationCacheFiller<DbtSchema> recentWrites) {
    this.client = client;
    this.project = project;
    this.progress = progress;
    this.recentWrites = recentWrites;
  }

  /** Creates the missing DbtSchemas; returns every DbtSchema of the project, by schema name. */
  Map<String, DbtSchema> ensure(Collection<String> schemas, Collection<DbtSchema> existing) {
    Map<String, DbtSchema> bySchema = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    existing.stream()
        .filter(s -> project.getMetadata().getName().equals(s.getSpec().projectRef()))
        .forEach(s -> bySchema.put(s.getSpec().schema(), s));
    for (String schema : schemas) {
      if (bySchema.containsKey(schema)) {
        continue;
      }
      DbtSchema resource = new DbtSchema();
      resource.getMetadata().setName(Labels.name(project.getMetadata().getName(), schema));
      resource.getMetadata().setNamespace(project.getMetadata().getNamespace());
      resource
          .getMetadata()
          .setLabels(
              Map.of(
                  Labels.MANAGED,
                  "true",
                  Labels.MANAGED_BY,
                  Labels.OPERATOR,
                  Labels.PROJECT,
                  project.getMetadata().getName()));
      resource.getMetadata().setOwnerReferences(List.of(RunPods.owner(project)));
      resource.setSpec(
          new DbtSchemaSpec(
              project.getMetadata().getName(),
              schema.toLowerCase(Locale.ROOT),
              null,
              null,
              null,
              null,
              false));
      DbtSchema created = client.resource(resource).create();
      recentWrites.handleRecentResourceCreate(ResourceID.fromResource(created), created);
      bySchema.put(schema, created);
    }
    return bySchema;
  }

  /**
   * Deletes the managed DbtSchemas of schemas the live commit no longer has (a plan retired them),
   * and takes them out of {@code bySchema}; their deletionPolicy says what happens to the schema.
   * Hand-written ones are the user's to delete.
   *
   * @param schemas the schemas of the live commit
   */
  void deleteRetired(Collection<String> schemas, Map<String, DbtSchema> bySchema) {
    Set<String> live = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    live.addAll(schemas);
    var retired =
        bySchema.values().stream()
            .filter(s -> !live.contains(s.getSpec().schema()))
            .filter(s -> s.getMetadata().getLabels() != null)
            .filter(s -> s.getMetadata().getLabels().containsKey(Labels.MANAGED))
            .toList();
    for (DbtSchema resource : retired) {
      if (!resource.isMarkedForDeletion()) {
        client.resource(resource).delete();
      }
      bySchema.remove(resource.getSpec().schema());
    }
  }

  /**
   * Patches each schema's status when it differs from the one built now.
   *
   * @param steps where each schema's step is in the current deploy or refresh, by schema name
   * @return the last refresh of each schema that has been live, as the state store has it
   */
  Map<String, Instant> updateStatuses(
      Map<String, DbtSchema> schemas,
      Map<String, StepProgress> steps,
      Map<String, Instant> nextDue,
      StateStore store,
      Set<String> awaiting,
      ManualRequests requests,
      Instant now) {
    String projectName = project.getMetadata().getName();
    Map<String, Instant> lastRefreshes = new java.util.TreeMap<>();
    for (DbtSchema resource : schemas.values()) {
      if (resource.isMarkedForDeletion()) {
        // Its status tells how the deletion goes (DbtSchemaReconciler).
        continue;
      }
      String schema = resource.getSpec().schema();
      SchemaState state = store.schema(projectName, schema).orElse(null);
      List<RunRecord> runs = store.runs(projectName, schema, null, 1).runs();
      RunRecord last = runs.isEmpty() ? null : runs.get(0);
      if (state != null && state.lastRefresh() != null) {
        lastRefreshes.put(schema, state.lastRefresh());
      }
      StepProgress step = steps.get(schema);
      DbtSchemaStatus previous = resource.getStatus();
      SchemaPhase phase = SchemaPhase.of(resource, state, last, step, awaiting.contains(schema));
      long generation =
          resource.getMetadata().getGeneration() == null
              ? 0
              : resource.getMetadata().getGeneration();
      DbtSchemaStatus next =
          new DbtSchemaStatus(
              generation,
              Conditions.of(
                  phase.state(),
                  phase.reason(),
                  phase.message(),
                  generation,
                  previous == null ? null : previous.conditions(),
                  now),
              phase.name(),
              state == null ? null : state.liveCommit(),
              state == null || state.liveCommit() == null
                  ? null
                  : state.liveCommit().substring(0, Math.min(7, state.liveCommit().length())),
              text(state == null ? null : state.lastRefresh()),
              text(state == null ? null : state.lastFullRefresh()),
              nextDueText(previous, nextDue.get(schema), now),
              last == null ? null : summary(last),
              requests.handled(schema).refresh(),
              requests.handled(schema).fullRefresh(),
              requests.handled(schema).rollback());
      if (!Objects.equals(previous, next)
          && progress.shouldWrite(
              resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName(),
              previous,
              next,
              now)) {
        // The cache's object is not ours to change.
        DbtSchema written = client.getKubernetesSerialization().clone(resource);
        written.setStatus(next);
        DbtSchema patched = client.resource(written).patchStatus();
        recentWrites.handleRecentResourceUpdate(
            ResourceID.fromResource(patched), patched, resource);
      }
    }
    return lastRefreshes;
  }

  /**
   * The next-due time to show. For a schema already due, the due calculation says "now", which
   * would make a new status at every pass, and its event another pass: a loop until the tick
   * refreshes it. An overdue schema keeps the time it was shown with once that time has come (its
   * due time, or the pass that first found it due), in the past, as the API describes nextDue.
   */
  static String nextDueText(DbtSchemaStatus previous, Instant nextDue, Instant now) {
    String shown = previous == null ? null : previous.nextDue();
    if (nextDue != null
        && !nextDue.isAfter(now)
        && shown != null
        && !Instant.parse(shown).isAfter(now)) {
      return shown;
    }
    return text(nextDue);
  }

  static RunSummary summary(RunRecord run) {
    return new RunSummary(
        run.id(),
        kind(run.id()),
        switch (run.status()) {
          case QUEUED, RUNNING -> "Running";
          case SUCCESSFUL -> "Succeeded";
          case PARTIAL_SUCCESS, FAILED -> "Failed";
        },
        text(run.startedAt()),
        text(run.endedAt()),
        run.counts() == null
            ? null
            : new RunSummary.Counts(
                run.counts().modelsSucceeded() + run.counts().testsPassed(),
                run.counts().modelsFailed() + run.counts().testsFailed(),
                0,
                run.counts().modelsSkipped()),
        run.message());
  }

  private static String kind(String runId) {
    io.dbtoperator.run.RunId id = io.dbtoperator.run.RunId.parse(runId);
    return id == null ? null : id.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** RFC 3339 to the second: what a person reads in a table. */
  static String text(Instant instant) {
    return instant == null
        ? null
        : instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }
}
