package io.dbtoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class MockApiServerTest {
  @Test
  void serverSideApplyCreatesThenMerges() {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.client()) {
      ConfigMap first =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName("settings")
              .withNamespace("demo")
              .endMetadata()
              .addToData("a", "1")
              .build();
      client.resource(first).fieldManager("test").forceConflicts().serverSideApply();
      ConfigMap second =
          new ConfigMapBuilder(first).withData(java.util.Map.of("a", "2", "b", "3")).build();
      client.resource(second).fieldManager("test").forceConflicts().serverSideApply();

      assertThat(client.configMaps().inNamespace("demo").withName("settings").get().getData())
          .containsEntry("a", "2")
          .containsEntry("b", "3");
    }
  }

  @Test
  void aMergePatchReplacesListsAndRemovesNulls() {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.client()) {
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName("p")
              .withNamespace("demo")
              .addToLabels("keep", "yes")
              .addToLabels("drop", "yes")
              .endMetadata()
              .withNewSpec()
              .addNewContainer()
              .withName("a")
              .endContainer()
              .addNewContainer()
              .withName("b")
              .endContainer()
              .endSpec()
              .build();
      client.resource(pod).create();
      client
          .pods()
          .inNamespace("demo")
          .withName("p")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"labels\":{\"drop\":null}},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");

      Pod patched = client.pods().inNamespace("demo").withName("p").get();
      assertThat(patched.getMetadata().getLabels()).containsOnlyKeys("keep");
      assertThat(patched.getSpec().getContainers()).extracting("name").containsExactly("c");
    }
  }

  @Test
  void anAppliedStatusReplacesTheStoredOne() {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.client()) {
      Pod pod =
          client
              .resource(
                  new PodBuilder()
                      .withNewMetadata()
                      .withName("p")
                      .withNamespace("demo")
                      .endMetadata()
                      .withNewStatus()
                      .withPhase("Running")
                      .withMessage("old")
                      .endStatus()
                      .build())
              .create();
      pod.setStatus(new PodStatusBuilder().withPhase("Succeeded").build());
      client
          .resource(pod)
          .subresource("status")
          .patch(
              new PatchContext.Builder()
                  .withPatchType(PatchType.SERVER_SIDE_APPLY)
                  .withFieldManager("test")
                  .withForce(true)
                  .build());

      Pod patched = client.pods().inNamespace("demo").withName("p").get();
      assertThat(patched.getStatus().getPhase()).isEqualTo("Succeeded");
      assertThat(patched.getStatus().getMessage()).isNull();
    }
  }

  @Test
  void aCustomResourcesStatusIsApplied() throws Exception {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.client();
        InputStream crd =
            getClass().getResourceAsStream("/crds/dbtprojects.dbtoperator.io-v1.yml")) {
      client.load(crd).serverSideApply();
      GenericKubernetesResource project =
          Serialization.unmarshal(
              """
              apiVersion: dbtoperator.io/v1alpha1
              kind: DbtProject
              metadata: {name: shop, namespace: demo}
              spec: {git: {url: "https://example.invalid/x.git"}}
              """,
              GenericKubernetesResource.class);
      client.resource(project).create();
      project.setAdditionalProperty("status", java.util.Map.of("liveCommit", "abc"));
      client
          .resource(project)
          .subresource("status")
          .patch(
              new PatchContext.Builder()
                  .withPatchType(PatchType.SERVER_SIDE_APPLY)
                  .withFieldManager("test")
                  .withForce(true)
                  .build());

      GenericKubernetesResource stored =
          client
              .genericKubernetesResources("dbtoperator.io/v1alpha1", "DbtProject")
              .inNamespace("demo")
              .withName("shop")
              .get();
      assertThat(stored.getAdditionalProperties().get("status"))
          .isEqualTo(java.util.Map.of("liveCommit", "abc"));
    }
  }

  @Test
  void aBindingSetsThePodsNode() {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.client()) {
      client
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName("p")
                  .withNamespace("demo")
                  .endMetadata()
                  .build())
          .create();
      client
          .getHttpClient()
          .sendAsync(
              client
                  .getHttpClient()
                  .newHttpRequestBuilder()
                  .uri(server.url() + "/api/v1/namespaces/demo/pods/p/binding")
                  .post(
                      "application/json",
                      "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"p\"},"
                          + "\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"n1\"}}")
                  .build(),
              String.class)
          .join();

      assertThat(client.pods().inNamespace("demo").withName("p").get().getSpec().getNodeName())
          .isEqualTo("n1");
    }
  }

  @Test
  void customResourceDefinitionsApplyFromTheJarsYaml() throws Exception {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.client();
        InputStream crd =
            getClass().getResourceAsStream("/crds/dbtschemas.dbtoperator.io-v1.yml")) {
      client.load(crd).serverSideApply();
      assertThat(
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName("dbtschemas.dbtoperator.io")
                  .get())
          .isNotNull();
    }
  }
}
