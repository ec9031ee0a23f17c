package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.api.DbtSchemaSpec;
import io.dbtoperator.api.DeletionPolicy;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The finalizers of {@link DbtSchemaReconciler} on the fabric8 mock API server: only Drop puts one
 * on, the project holds one while its schemas do, and the cases that need no warehouse.
 */
@EnableKubernetesMockClient(crud = true)
class DbtSchemaReconcilerTest {
  private static final String NS = "data";

  KubernetesClient client;

  private final DbtSchemaReconciler reconciler =
      new DbtSchemaReconciler(
          new OperatorSettings(
              Path.of("/tmp"),
              null,
              "dbt-operator:test",
              1,
              1,
              1,
              Duration.ofHours(1),
              Duration.ofMinutes(1),
              3,
              Duration.ofSeconds(30),
              Duration.ofMinutes(30),
              "test-holder"),
          Clock.systemUTC());

  @Test
  void dropPutsFinalizersOnTheSchemaAndItsProjectAndRetainTakesThemOff() {
    DbtProject project = project("shop");
    DbtSchema marts = schema("shop-marts", "shop", DeletionPolicy.Drop);

    reconcile(marts);

    assertThat(get(marts).getMetadata().getFinalizers()).containsExactly(Labels.DROP_FINALIZER);
    assertThat(get(project).getMetadata().getFinalizers())
        .containsExactly(Labels.PROJECT_DROP_FINALIZER);

    DbtSchema retained = get(marts);
    retained.setSpec(spec("shop", DeletionPolicy.Retain));
    retained = client.resource(retained).update();
    reconcile(retained);

    assertThat(get(marts).getMetadata().getFinalizers()).isEmpty();
    assertThat(get(project).getMetadata().getFinalizers()).isEmpty();
  }

  @Test
  void retainIsTheDefaultAndNeedsNoFinalizer() {
    DbtProject project = project("shop");
    DbtSchema marts = schema("shop-marts", "shop", null);

    reconcile(marts);

    assertThat(get(marts).getMetadata().getFinalizers()).isEmpty();
    assertThat(get(project).getMetadata().getFinalizers()).isEmpty();
  }

  @Test
  void theProjectKeepsItsFinalizerWhileAnotherSchemaHoldsOne() {
    DbtProject project = project("shop");
    DbtSchema marts = schema("shop-marts", "shop", DeletionPolicy.Drop);
    DbtSchema staging = schema("shop-staging", "shop", DeletionPolicy.Drop);
    reconcile(marts);
    reconcile(staging);

    DbtSchema retained = get(marts);
    retained.setSpec(spec("shop", DeletionPolicy.Retain));
    reconcile(client.resource(retained).update());

    assertThat(get(marts).getMetadata().getFinalizers()).isEmpty();
    assertThat(get(project).getMetadata().getFinalizers())
        .containsExactly(Labels.PROJECT_DROP_FINALIZER);
  }

  @Test
  void aSchemaOfAnUnknownProjectIsKeptAndLetGo() {
    DbtSchema orphan = schema("gone-marts", "gone", DeletionPolicy.Drop);
    reconcile(orphan);
    assertThat(get(orphan).getMetadata().getFinalizers()).containsExactly(Labels.DROP_FINALIZER);

    client.resource(get(orphan)).delete();
    DbtSchema deleting = get(orphan);
    assertThat(deleting.isMarkedForDeletion()).isTrue();
    reconcile(deleting);

    assertThat(client.resource(orphan).get()).isNull();
    List<Event> events = client.events().v1().events().inNamespace(NS).list().getItems();
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getReason()).isEqualTo("DropSkipped");
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getNote())
                  .isEqualTo(
                      "spec.projectRef: DbtProject gone not found, so its warehouse is unknown:"
                          + " schema marts is kept");
            });
  }

  @Test
  void aProjectBeingDeletedDeletesItsDropSchemas() {
    DbtProject project = project("shop");
    DbtSchema marts = schema("shop-marts", "shop", DeletionPolicy.Drop);
    reconcile(marts);
    client.resource(get(project)).delete();
    assertThat(get(project).isMarkedForDeletion()).isTrue();

    reconcile(get(marts));

    assertThat(get(marts).isMarkedForDeletion()).isTrue();
  }

  private void reconcile(DbtSchema schema) {
    reconciler.reconcile(schema, context(schema));
  }

  /** The parts of the SDK's context the reconciler reads; anything else fails the test. */
  @SuppressWarnings("unchecked")
  private Context<DbtSchema> context(DbtSchema schema) {
    return (Context<DbtSchema>)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getClient" -> client;
                  case "isPrimaryResourceDeleted" -> false;
                  case "getSecondaryResource" ->
                      Optional.ofNullable(
                          client
                              .resources(DbtProject.class)
                              .inNamespace(NS)
                              .withName(schema.getSpec().projectRef())
                              .get());
                  case "getPrimaryCache" -> primaryCache();
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  /** The SDK's cache of DbtSchemas, as the API server has them; only listing by namespace. */
  @SuppressWarnings("unchecked")
  private IndexedResourceCache<DbtSchema> primaryCache() {
    return (IndexedResourceCache<DbtSchema>)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {IndexedResourceCache.class},
            (proxy, method, args) -> {
              if (method.getName().equals("list")
                  && args != null
                  && args.length == 1
                  && args[0] instanceof String namespace) {
                return client
                    .resources(DbtSchema.class)
                    .inNamespace(namespace)
                    .list()
                    .getItems()
                    .stream();
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  private DbtProject project(String name) {
    DbtProject project = new DbtProject();
    project.getMetadata().setName(name);
    project.getMetadata().setNamespace(NS);
    return client.resource(project).create();
  }

  private DbtSchema schema(String name, String projectRef, DeletionPolicy policy) {
    DbtSchema schema = new DbtSchema();
    schema.getMetadata().setName(name);
    schema.getMetadata().setNamespace(NS);
    schema.setSpec(spec(projectRef, policy));
    return client.resource(schema).create();
  }

  private static DbtSchemaSpec spec(String projectRef, DeletionPolicy policy) {
    return new DbtSchemaSpec(projectRef, "marts", null, null, null, null, false, policy);
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T get(T resource) {
    return client.resource(resource).get();
  }
}
