package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectStatus;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.plan.Action;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.state.Lease;
import io.dbtoperator.state.ManifestPointer;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.state.StateStoreException;
import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.SchemaTag;
import io.dbtoperator.warehouse.Warehouse;
import io.dbtoperator.warehouse.WarehouseException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The drop of a deleted DbtSchema with deletionPolicy Drop. It waits while the project still has
 * the schema (its live manifest or its plan), while a run holds the schema's lease, and while a
 * view in another schema reads it; it never drops a schema another project owns, and keeps the
 * schema when its project is unknown. Then it drops the live schema and the operator's staging and
 * previous schemas of it, and forgets the schema's live state so that a later re-creation deploys
 * it afresh.
 */
final class SchemaDrop {
  /** Long enough for the drop itself; a run that wants the schema meanwhile waits for it. */
  private static final Duration LEASE = Duration.ofMinutes(5);

  /**
   * @param done whether the resource may go (dropped, or kept on purpose)
   * @param reason CamelCase, for the condition or the event
   * @param message names the spec path or the views at fault
   */
  record Outcome(boolean done, boolean warning, String reason, String message) {
    static Outcome waiting(String reason, String message) {
      return new Outcome(false, true, reason, message);
    }
  }

  private final KubernetesClient client;
  private final Clock clock;
  private final String holder;

  SchemaDrop(KubernetesClient client, Clock clock, String holder) {
    this.client = client;
    this.clock = clock;
    this.holder = holder;
  }

  Outcome attempt(DbtSchema resource, DbtProject project) {
    String schema = resource.getSpec().schema();
    if (project == null) {
      return new Outcome(
          true,
          true,
          "DropSkipped",
          "spec.projectRef: DbtProject "
              + resource.getSpec().projectRef()
              + " not found, so its warehouse is unknown: schema "
              + schema
              + " is kept");
    }
    Optional<String> planned = planned(project, schema);
    if (planned.isPresent()) {
      return Outcome.waiting("DropWaiting", planned.get());
    }
    Secrets secrets = new Secrets(client, project.getMetadata().getNamespace());
    String name = project.getMetadata().getName();
    try (StateStore store = ProjectBackends.store(project.getSpec(), secrets, clock);
        ArtifactStore artifacts = ProjectBackends.artifacts(project.getSpec(), secrets);
        Warehouse warehouse =
            ProjectBackends.target(project.getSpec(), secrets).open(name, clock, notice -> {})) {
      if (!project.isMarkedForDeletion()) {
        Optional<String> live = liveCommitHaving(store, artifacts, project, schema);
        if (live.isPresent()) {
          return Outcome.waiting(
              "DropWaiting",
              "schema "
                  + schema
                  + " is still in project "
                  + name
                  + " at its live commit "
                  + live.get().substring(0, Math.min(7, live.get().length()))
                  + "; it is dropped once a deploy removes it from the dbt project (or set"
                  + " spec.deletionPolicy to Retain to keep it)");
        }
      }
      Optional<String> owner = otherOwner(store, warehouse, name, schema);
      if (owner.isPresent()) {
        return new Outcome(true, true, "DropSkipped", owner.get());
      }
      Optional<Lease> lease = store.tryAcquireLease(name, schema, holder, LEASE);
      if (lease.isEmpty()) {
        return Outcome.waiting(
            "DropWaiting", "a run of schema " + schema + " holds its lease; the drop waits for it");
      }
      try {
        return drop(store, warehouse, name, schema);
      } finally {
        store.releaseLease(lease.get());
      }
    } catch (SpecProblem e) {
      return Outcome.waiting(e.reason(), e.getMessage());
    } catch (WarehouseException e) {
      return Outcome.waiting("WarehouseUnavailable", "spec.warehouse: " + e.getMessage());
    } catch (StateStoreException e) {
      return Outcome.waiting("StateStoreUnavailable", "spec.state: " + e.getMessage());
    }
  }

  private Outcome drop(StateStore store, Warehouse warehouse, String project, String schema) {
    List<String> readers = warehouse.dropUnlessRead(schema);
    if (!readers.isEmpty()) {
      return Outcome.waiting(
          "DropBlocked",
          "views "
              + String.join(", ", readers)
              + " read schema "
              + schema
              + "; drop or change them, or set spec.deletionPolicy to Retain");
    }
    int others = 0;
    for (OwnedSchema owned : warehouse.ownedSchemas(schema)) {
      if (owned.tag().project().equals(project)) {
        List<String> ownedReaders = warehouse.dropUnlessRead(owned.name());
        if (!ownedReaders.isEmpty()) {
          return Outcome.waiting(
              "DropBlocked",
              "views " + String.join(", ", ownedReaders) + " read schema " + owned.name());
        }
        others++;
      }
    }
    forget(store, project, schema);
    return new Outcome(
        true,
        false,
        "Dropped",
        "schema "
            + schema
            + " dropped"
            + (others == 0 ? "" : ", with " + others + " staging or previous schemas of it"));
  }

  /** Nothing is live any more: a re-created schema is deployed from scratch. */
  private static void forget(StateStore store, String project, String schema) {
    Optional<SchemaState> state = store.schema(project, schema);
    if (state.isPresent() && state.get().liveCommit() != null) {
      SchemaState current = state.get();
      if (!store.compareAndSet(
          current.version(),
          new SchemaState(project, current.schema(), null, null, null, null, 0))) {
        throw new StateStoreException(
            "the state of schema " + schema + " changed while it was dropped; trying again");
      }
    }
  }

  /** Why the project's current plan still wants the schema, if it does. */
  private static Optional<String> planned(DbtProject project, String schema) {
    DbtProjectStatus status = project.getStatus();
    if (project.isMarkedForDeletion() || status == null || status.plan() == null) {
      return Optional.empty();
    }
    return status.plan().steps().stream()
        .filter(
            s ->
                s.schema().equalsIgnoreCase(schema)
                    || (s.members() != null
                        && s.members().stream().anyMatch(schema::equalsIgnoreCase)))
        .filter(s -> s.action() != Action.RETIRE)
        .findFirst()
        .map(
            s ->
                "schema "
                    + schema
                    + " is in the plan "
                    + status.plan().hash()
                    + " of project "
                    + project.getMetadata().getName()
                    + " ("
                    + s.action().json()
                    + "); it is dropped once a deploy removes it from the dbt project (or set"
                    + " spec.deletionPolicy to Retain to keep it)");
  }

  /** The project's live commit, when its manifest has the schema. */
  private static Optional<String> liveCommitHaving(
      StateStore store, ArtifactStore artifacts, DbtProject project, String schema) {
    Optional<ManifestPointer> pointer = store.manifest(project.getMetadata().getName());
    if (pointer.isEmpty()) {
      return Optional.empty();
    }
    String commit = pointer.get().commit();
    Optional<InputStream> stream =
        artifacts.openManifest(
            new ArtifactStore.ProjectKey(
                project.getMetadata().getNamespace(), project.getMetadata().getName()),
            commit);
    if (stream.isEmpty()) {
      throw new SpecProblem(
          "ManifestMissing",
          "spec.artifacts: the manifest of the live commit "
              + commit
              + " is missing, so whether the project still has schema "
              + schema
              + " is unknown");
    }
    try (InputStream in = stream.get()) {
      Manifest manifest = ManifestReader.read(in, "stored manifest of " + commit);
      boolean has =
          SchemaGraph.build(manifest, OperatorConfig.EMPTY).schemas().stream()
              .anyMatch(s -> s.name().equalsIgnoreCase(schema));
      return has ? Optional.of(commit) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stored manifest of " + commit, e);
    }
  }

  /** Why another project owns the schema (its tag, or its row in the state store), if one does. */
  private static Optional<String> otherOwner(
      StateStore store, Warehouse warehouse, String project, String schema) {
    Optional<SchemaTag> tag = warehouse.tag(schema);
    if (tag.isPresent() && !tag.get().project().equals(project)) {
      return Optional.of(
          "schema "
              + schema
              + " belongs to project "
              + tag.get().project()
              + " (its tag in the warehouse): kept");
    }
    for (String other : store.projects()) {
      if (!other.equals(project) && store.schema(other, schema).isPresent()) {
        return Optional.of(
            "schema " + schema + " belongs to project " + other + " (the state store): kept");
      }
    }
    return Optional.empty();
  }
}
