package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Transition events are recorded once although the next pass may get the project from a cache that
 * lacks the status the previous pass wrote: on the fabric8 mock API server, the server holds the
 * written status and the pass gets a stale copy.
 */
@EnableKubernetesMockClient(crud = true)
class TransitionsTest {
  private static final String NS = "data";
  private static final String HASH = "c9a6c101d6550644";

  KubernetesClient client;
  KubernetesMockServer server;

  @Test
  void aPlanThePreviousPassAnnouncedIsNotAnnouncedAgainFromAStaleCache() {
    DbtProject stale = project(null);
    assertThat(new Transitions(client, stale).newPlan(HASH)).as("first pass").isTrue();

    // The first pass wrote its status; the informer has not seen it yet.
    write(status("Deploying", HASH, false));

    assertThat(new Transitions(client, stale).newPlan(HASH)).as("second pass").isFalse();
    assertThat(new Transitions(client, stale).newPlan("0123456789abcdef"))
        .as("another plan")
        .isTrue();
  }

  @Test
  void aCacheThatHasTheStatusDecidesWithoutARead() {
    DbtProject current = project(status("Deploying", HASH, false));
    int before = server.getRequestCount();

    assertThat(new Transitions(client, current).newPlan(HASH)).isFalse();
    assertThat(server.getRequestCount()).isEqualTo(before);
  }

  @Test
  void anApprovalThePreviousPassHandledIsNotAnnouncedAgain() {
    DbtProject stale = project(status("AwaitingApproval", HASH, false));
    assertThat(new Transitions(client, stale).wasAwaitingApproval()).isTrue();

    write(status("Deploying", HASH, false));

    assertThat(new Transitions(client, stale).wasAwaitingApproval()).isFalse();
  }

  @Test
  void aStallThePreviousPassAnnouncedIsNotAnnouncedAgain() {
    DbtProject stale = project(null);
    assertThat(new Transitions(client, stale).newStall(stalled(stale))).isTrue();

    write(status("Failed", null, true));

    assertThat(new Transitions(client, stale).newStall(stalled(stale))).isFalse();
  }

  private static ProjectStatusBuilder stalled(DbtProject project) {
    ProjectStatusBuilder status = new ProjectStatusBuilder(project, Instant.now());
    status.problem("SecretNotFound", "spec.warehouse.secretRef: secret \"shop-pg\" not found");
    return status;
  }

  /** The project on the server, with this status; the copy returned is the pass's. */
  private DbtProject project(DbtProjectStatus status) {
    DbtProject project = new DbtProject();
    project.getMetadata().setName("shop");
    project.getMetadata().setNamespace(NS);
    project.setStatus(status);
    return client.resource(project).create();
  }

  private void write(DbtProjectStatus status) {
    DbtProject current = client.resources(DbtProject.class).inNamespace(NS).withName("shop").get();
    current.setStatus(status);
    client.resource(current).update();
  }

  private static DbtProjectStatus status(String phase, String planHash, boolean stalled) {
    DbtProject project = new DbtProject();
    ProjectStatusBuilder builder = new ProjectStatusBuilder(project, Instant.now());
    if (stalled) {
      builder.problem("SecretNotFound", "spec.warehouse.secretRef: secret \"shop-pg\" not found");
    }
    DbtProjectStatus conditions = builder.build();
    return new DbtProjectStatus(
        1L,
        conditions.conditions(),
        phase,
        null,
        null,
        null,
        null,
        planHash == null
            ? null
            : new DbtProjectStatus.Plan(planHash, "a", "b", "2 deploy", List.of()),
        null,
        null,
        null);
  }
}
