package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dbtoperator.run.PostgresHarness;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator process killed with SIGKILL mid-build and mid-swap, then restarted; and two operator
 * processes at once. Runs resume where they stopped, nothing swaps twice, and one operator acts at
 * a time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorFailoverIT {
  static final Duration DEPLOY = Duration.ofMinutes(6);
  static final String[] OPTIONS = {"--dbt", "", "--git-poll", "PT5S"};

  @TempDir static Path temp;
  static OperatorFixture f;
  static String c1;

  @BeforeAll
  static void start() throws IOException {
    f = new OperatorFixture(temp, "failover");
    OPTIONS[1] = PostgresHarness.dbt().toString();
    c1 = f.git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop")).commit("shop v1");
  }

  @AfterAll
  static void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  @Test
  @Order(1)
  void killedWhileAPodBuildsTheRestartedOperatorResumesTheSameRun() throws Exception {
    OperatorProcess first = f.startOperator(OPTIONS);
    f.client.resource(f.projectResource(c1)).create();
    Pod building =
        await("a build pod running")
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(200))
            .until(this::runningBuildPod, Optional::isPresent)
            .orElseThrow();
    first.kill();
    String schema = building.getMetadata().getLabels().get(Labels.SCHEMA);
    String run = building.getMetadata().getLabels().get(Labels.RUN);

    f.startOperator(OPTIONS);
    await("ready after the restart")
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c1)).as(f::diagnostics).isTrue());

    List<RunRecord> runs = f.runs(schema);
    assertThat(runs).as("one run of " + schema + ", resumed, not started again").hasSize(1);
    assertThat(runs.get(0).id()).isEqualToIgnoringCase(run);
    assertThat(runs.get(0).status()).isEqualTo(RunStatus.SUCCESSFUL);
    assertThat(
            f.client
                .pods()
                .inNamespace(f.namespace)
                .withLabel(Labels.SCHEMA, schema)
                .list()
                .getItems())
        .as("the build pod was not launched twice")
        .hasSize(1);
    for (String other : List.of("raw", "staging", "marts", "reporting")) {
      assertThat(f.runs(other))
          .as(other)
          .hasSize(1)
          .allMatch(r -> r.status() == RunStatus.SUCCESSFUL);
    }
  }

  Optional<Pod> runningBuildPod() {
    return f.client.pods().inNamespace(f.namespace).withLabel(Labels.RUN).list().getItems().stream()
        .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
        .filter(p -> !p.getMetadata().getLabels().get(Labels.SCHEMA).equals("parse"))
        .findFirst();
  }

  @Test
  @Order(2)
  void killedRightAfterTheSwapTheRunIsRecordedWithoutASecondSwap() throws Exception {
    f.operators.forEach(this::closeQuietly);
    String c2 =
        f.git
            .copy(PostgresHarness.repositoryRoot().resolve("examples/changes/v2"))
            .commit("shop v2");
    OperatorProcess dying =
        f.startOperator(Map.of("DBT_OPERATOR_TEST_KILL_AFTER", "SWAP"), OPTIONS);
    f.pin(c2);
    assertThat(dying.awaitExit(DEPLOY)).as("the kill switch fired after a swap").isTrue();

    f.startOperator(OPTIONS);
    await("ready after the restart")
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c2)).as(f::diagnostics).isTrue());
    RunRecord marts = f.runs("marts").get(0);
    assertThat(marts.status()).isEqualTo(RunStatus.SUCCESSFUL);
    assertThat(marts.id()).contains(c2.substring(0, 8));
    assertThat(marts.message()).contains("already swapped by an earlier attempt of this run");
    assertThat(f.runs("marts")).filteredOn(r -> r.id().contains(c2.substring(0, 8))).hasSize(1);
    assertThat(
            PostgresHarness.rows(
                f.pg,
                "select count(*) from information_schema.columns where table_schema = 'marts'"
                    + " and column_name = 'is_completed'"))
        .containsExactly("1");
  }

  @Test
  @Order(3)
  void twoOperatorsActOneAtATime() throws Exception {
    f.operators.forEach(this::closeQuietly);
    f.startOperator(OPTIONS);
    f.startOperator(OPTIONS);
    String c3 =
        f.git
            .write(
                Map.of(
                    "models/reporting/weekly_orders.sql",
                    "select count(*) as orders from {{ ref('orders') }}\n"))
            .commit("c3: a weekly report");
    f.pin(c3);
    await("ready at c3 with two operators running")
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(f.readyAt(c3)).as(f::diagnostics).isTrue());
    assertThat(f.runs("reporting")).filteredOn(r -> r.id().contains(c3.substring(0, 8))).hasSize(1);
    var lease = f.client.leases().inNamespace("default").withName("dbt-operator-leader").get();
    assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
    long acting =
        f.operators.subList(f.operators.size() - 2, f.operators.size()).stream()
            .filter(o -> o.log().contains("reconciling as leader"))
            .count();
    assertThat(acting).as("exactly one of the two took the lease").isEqualTo(1);
  }

  private void closeQuietly(OperatorProcess operator) {
    try {
      operator.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
