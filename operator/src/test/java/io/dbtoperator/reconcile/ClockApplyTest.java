package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbtoperator.api.DbtProject;
import io.dbtoperator.local.MockApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The clock's four resources are written only when missing or different from what the operator
 * generates, on the mock API server (which knows server-side apply); the requests of the operator's
 * client are counted. The test's cache reads the server, as an informer that has caught up would.
 */
class ClockApplyTest {
  private static final String IMAGE = "ghcr.io/dbt-operator/dbt-operator:0.1.0";

  private MockApiServer server;
  private KubernetesClient admin;
  private KubernetesClient operator;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final ClockApply.Cache cache =
      new ClockApply.Cache() {
        @Override
        public Optional<HasMetadata> get(HasMetadata generated) {
          return Optional.ofNullable(admin.resource(generated).get());
        }

        @Override
        public void wrote(HasMetadata written, HasMetadata before) {
          // The server itself is the cache here.
        }
      };

  @BeforeEach
  void start() {
    server = MockApiServer.start();
    admin = server.client();
    Config config =
        new ConfigBuilder(Config.empty()).withMasterUrl(server.url()).withNamespace("data").build();
    Interceptor counting =
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            requests.add(request.method() + " " + request.uri().getPath());
          }
        };
    operator =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count", counting))
            .build();
  }

  @AfterEach
  void stop() {
    operator.close();
    admin.close();
    server.close();
  }

  @Test
  void theFirstPassAppliesAllFourAndLaterPassesWriteNothing() throws IOException {
    DbtProject project = project("*/10 * * * *");

    assertThat(pass(project)).hasSize(4).allMatch(r -> r.startsWith("PATCH "));
    String cronJobVersion = cronJob().getMetadata().getResourceVersion();
    String roleVersion = role().getMetadata().getResourceVersion();

    assertThat(pass(project)).as("requests of a pass with nothing changed").isEmpty();
    assertThat(pass(project)).isEmpty();
    assertThat(cronJob().getMetadata().getResourceVersion()).isEqualTo(cronJobVersion);
    assertThat(role().getMetadata().getResourceVersion()).isEqualTo(roleVersion);
    assertThat(cronJob().getMetadata().getAnnotations()).containsKey(ClockApply.GENERATED_HASH);
  }

  @Test
  void aHandEditedCronJobIsRestoredAndTheOthersAreLeftAlone() throws IOException {
    DbtProject project = project("*/10 * * * *");
    pass(project);
    admin
        .batch()
        .v1()
        .cronjobs()
        .inNamespace("data")
        .withName("analytics-clock")
        .edit(c -> new CronJobBuilder(c).editSpec().withSchedule("0 0 1 1 *").endSpec().build());

    assertThat(pass(project))
        .containsExactly("PATCH /apis/batch/v1/namespaces/data/cronjobs/analytics-clock");
    assertThat(cronJob().getSpec().getSchedule()).isEqualTo("*/10 * * * *");
  }

  @Test
  void aDeletedCronJobIsMadeAgain() throws IOException {
    DbtProject project = project("*/10 * * * *");
    pass(project);
    admin.resource(cronJob()).delete();
    assertThat(cronJob()).isNull();

    assertThat(pass(project)).hasSize(1);
    assertThat(cronJob().getSpec().getSchedule()).isEqualTo("*/10 * * * *");
  }

  @Test
  void aNewSpecClockIsAppliedToTheCronJobAlone() throws IOException {
    pass(project("*/10 * * * *"));

    assertThat(pass(project("*/2 * * * *")))
        .containsExactly("PATCH /apis/batch/v1/namespaces/data/cronjobs/analytics-clock");
    assertThat(cronJob().getSpec().getSchedule()).isEqualTo("*/2 * * * *");
  }

  @Test
  void resourcesAnEarlierOperatorWroteWithoutTheHashAreAppliedOnce() throws IOException {
    DbtProject project = project("*/10 * * * *");
    for (HasMetadata resource : ClockResources.all(project, IMAGE)) {
      admin.resource(resource).create();
    }

    assertThat(pass(project)).hasSize(4);
    assertThat(pass(project)).isEmpty();
  }

  @Test
  void theCronJobsStatusStartsNoPassAnEditDoes() throws IOException {
    CronJob before = ClockResources.cronJob(project("*/10 * * * *"), IMAGE);
    before.getMetadata().setResourceVersion("1");
    CronJob ticked =
        new CronJobBuilder(before)
            .editMetadata()
            .withResourceVersion("2")
            .endMetadata()
            .withNewStatus()
            .withLastScheduleTime("2026-11-28T10:00:00Z")
            .endStatus()
            .build();
    CronJob edited = new CronJobBuilder(before).editSpec().withSuspend(true).endSpec().build();

    assertThat(ClockApply.changedBeyondStatus(ticked, before)).isFalse();
    assertThat(ClockApply.changedBeyondStatus(edited, before)).isTrue();
  }

  @Test
  void fieldsOthersSetAndDefaultsDoNotCountAsDifferences() {
    ObjectNode generated = Serialization.jsonMapper().createObjectNode();
    generated.putObject("spec").put("schedule", "*/5 * * * *").put("deadline", 300L);
    generated.putArray("args").add("trigger");
    ObjectNode actual = generated.deepCopy();
    ((ObjectNode) actual.get("spec")).put("suspend", false).put("deadline", 300);

    assertThat(ClockApply.contains(actual, generated)).isTrue();
    ((ArrayNode) actual.get("args")).add("--verbose");
    assertThat(ClockApply.contains(actual, generated)).isFalse();
  }

  /** One pass of the clock's apply; the requests it made. */
  private List<String> pass(DbtProject project) {
    requests.clear();
    ClockApply.apply(operator, project, IMAGE, cache);
    return List.copyOf(requests);
  }

  private CronJob cronJob() {
    return admin.batch().v1().cronjobs().inNamespace("data").withName("analytics-clock").get();
  }

  private Role role() {
    return admin.rbac().roles().inNamespace("data").withName("analytics-clock").get();
  }

  private static DbtProject project(String clock) throws IOException {
    String yaml = Files.readString(Path.of("../examples/02-snowflake/dbtproject.yaml"));
    DbtProject project =
        Serialization.unmarshal(
            yaml.replace("clock: \"*/10 * * * *\"", "clock: \"" + clock + "\""), DbtProject.class);
    project.getMetadata().setUid("0b7c5a39-5f3e-4d8e-9a63-2f1c0d4e8a11");
    return project;
  }
}
