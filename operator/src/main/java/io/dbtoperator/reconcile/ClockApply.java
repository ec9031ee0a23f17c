package io.dbtoperator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps a project's clock resources as the operator generates them, writing (server-side apply)
 * only the ones that are missing or differ: applying all four at every pass cost four API writes
 * per project per pass (docs/benchmarks.md). What is there is read from informers on the four
 * kinds, so a hand edit or deletion also starts the pass that undoes it.
 */
final class ClockApply {
  /**
   * On each clock resource: a hash of what the operator generated. The content check below cannot
   * see a field the operator stopped generating (the apply would remove it); the hash changes then.
   */
  static final String GENERATED_HASH = "dbtoperator.io/generated-hash";

  static final List<Class<? extends HasMetadata>> KINDS =
      List.of(ServiceAccount.class, Role.class, RoleBinding.class, CronJob.class);

  private ClockApply() {}

  /** What the informers hold of the operator's resources, and what it learns of its own writes. */
  interface Cache {
    Optional<HasMetadata> get(HasMetadata generated);

    /**
     * @param before what the cache held before the write, or null
     */
    void wrote(HasMetadata written, HasMetadata before);
  }

  /** Informers on the four kinds, only the operator's objects, each mapped to its project. */
  static List<EventSource<?, DbtProject>> eventSources(EventSourceContext<DbtProject> context) {
    return KINDS.stream().<EventSource<?, DbtProject>>map(kind -> informer(kind, context)).toList();
  }

  private static <R extends HasMetadata> InformerEventSource<R, DbtProject> informer(
      Class<R> kind, EventSourceContext<DbtProject> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(kind, DbtProject.class)
            .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR + "," + Labels.PROJECT)
            .withSecondaryToPrimaryMapper(Mappers.fromLabel(Labels.PROJECT, null, DbtProject.class))
            .withOnUpdateFilter(ClockApply::changedBeyondStatus)
            .withItemStore(new CacheWithoutManagedFields<>())
            .build(),
        context);
  }

  /**
   * The CronJob's status moves at every tick (kube-controller-manager records the last schedule and
   * the Jobs): that is no reason for a pass, an edit of anything else is.
   */
  static boolean changedBeyondStatus(HasMetadata now, HasMetadata before) {
    return !withoutStatus(now).equals(withoutStatus(before));
  }

  private static JsonNode withoutStatus(HasMetadata resource) {
    ObjectNode tree = Serialization.jsonMapper().valueToTree(resource);
    tree.remove("status");
    JsonNode metadata = tree.get("metadata");
    if (metadata instanceof ObjectNode meta) {
      meta.remove(List.of("resourceVersion", "managedFields", "generation"));
    }
    return tree;
  }

  /** The cache of the reconciler's own informers, above. */
  static Cache cache(Context<DbtProject> context) {
    return new Cache() {
      @Override
      public Optional<HasMetadata> get(HasMetadata generated) {
        return source(context, generated).get(ResourceID.fromResource(generated));
      }

      @Override
      public void wrote(HasMetadata written, HasMetadata before) {
        // The next pass may come before the informer sees the write; it then finds it here.
        InformerEventSource<HasMetadata, DbtProject> source = source(context, written);
        if (before == null) {
          source.handleRecentResourceCreate(ResourceID.fromResource(written), written);
        } else {
          source.handleRecentResourceUpdate(ResourceID.fromResource(written), written, before);
        }
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<HasMetadata, DbtProject> source(
      Context<DbtProject> context, HasMetadata resource) {
    return (InformerEventSource<HasMetadata, DbtProject>)
        (EventSource<?, DbtProject>)
            context.eventSourceRetriever().getEventSourceFor(resource.getClass());
  }

  /**
   * Applies the clock resources that are missing from the cache or differ from what is generated.
   *
   * @return how many were applied
   */
  static int apply(KubernetesClient client, DbtProject project, String image, Cache cache) {
    int applied = 0;
    for (HasMetadata generated : generated(project, image)) {
      Optional<HasMetadata> cached = cache.get(generated);
      if (cached.isPresent() && upToDate(generated, cached.get())) {
        continue;
      }
      HasMetadata written = client.resource(generated).patch(ServerSideApply.context());
      cache.wrote(written, cached.orElse(null));
      applied++;
    }
    return applied;
  }

  /** The clock resources as the operator writes them: with the hash of their content. */
  static List<HasMetadata> generated(DbtProject project, String image) {
    return ClockResources.all(project, image).stream().map(ClockApply::withHash).toList();
  }

  /** Whether {@code actual} has every field of {@code generated}, the hash included. */
  static boolean upToDate(HasMetadata generated, HasMetadata actual) {
    return contains(tree(actual), tree(generated));
  }

  private static HasMetadata withHash(HasMetadata resource) {
    String hash = Labels.hash(Serialization.asJson(resource)).substring(0, 16);
    resource.getMetadata().setAnnotations(Map.of(GENERATED_HASH, hash));
    return resource;
  }

  private static JsonNode tree(HasMetadata resource) {
    ObjectNode tree = Serialization.jsonMapper().valueToTree(resource);
    // Informers' list items may lack them; the cache is typed by kind anyway.
    tree.remove(List.of("apiVersion", "kind"));
    return tree;
  }

  /**
   * Whether every field the operator generates has its value in {@code actual}. Fields others set
   * (and the API server's defaults) are theirs under server-side apply, so they don't count; lists
   * match element by element.
   */
  static boolean contains(JsonNode actual, JsonNode generated) {
    if (generated.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> fields = generated.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode value = actual.get(field.getKey());
        if (value == null || !contains(value, field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (generated.isArray()) {
      if (!actual.isArray() || actual.size() != generated.size()) {
        return false;
      }
      for (int i = 0; i < generated.size(); i++) {
        if (!contains(actual.get(i), generated.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (generated.isNumber() && actual.isNumber()) {
      return generated.decimalValue().compareTo(actual.decimalValue()) == 0;
    }
    return generated.equals(actual);
  }
}
