package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedStateGuardTest {

  private static DbtProject project(String namespace, String created, String state) {
    return Serialization.unmarshal(
        """
        apiVersion: dbtoperator.io/v1alpha1
        kind: DbtProject
        metadata: {name: shop, namespace: %s, creationTimestamp: "%s"}
        spec:
          git: {url: "https://example.com/shop.git"}
          warehouse: {type: postgres}
          %s
        """
            .formatted(namespace, created, state),
        DbtProject.class);
  }

  @Test
  void theNewerOfTwoSameNamedProjectsOnTheDefaultStoreIsRefusedAndTheOlderKeepsIt() {
    DbtProject older = project("sales", "2026-11-01T00:00:00Z", "");
    DbtProject newer = project("finance", "2026-11-02T00:00:00Z", "");
    List<DbtProject> all = List.of(older, newer);

    assertThat(SharedStateGuard.problem(newer, all.stream()))
        .contains(
            "spec.state: the state store sqlite:/var/lib/dbt-operator/state.db is used by"
                + " DbtProject sales/shop, and state is kept by project name; give one of them its"
                + " own spec.state");
    assertThat(SharedStateGuard.problem(older, all.stream())).isEmpty();
  }

  @Test
  void ownSqlitePathsDoNotConflict() {
    DbtProject older = project("sales", "2026-11-01T00:00:00Z", "");
    DbtProject newer =
        project(
            "finance",
            "2026-11-02T00:00:00Z",
            "state: {type: sqlite, sqlite: {path: /var/lib/dbt-operator/finance.db}}");

    assertThat(SharedStateGuard.problem(newer, List.of(older, newer).stream())).isEmpty();
  }

  @Test
  void theSameCassandraKeyspaceConflictsWhateverTheOrderOfContactPoints() {
    DbtProject older =
        project(
            "sales",
            "2026-11-01T00:00:00Z",
            "state: {type: cassandra, cassandra: {contactPoints: [a:9042, b:9042],"
                + " localDatacenter: dc1, keyspace: dbt}}");
    DbtProject newer =
        project(
            "finance",
            "2026-11-02T00:00:00Z",
            "state: {type: cassandra, cassandra: {contactPoints: [b:9042, a:9042],"
                + " localDatacenter: dc1, keyspace: dbt}}");

    assertThat(SharedStateGuard.problem(newer, List.of(older, newer).stream()))
        .hasValueSatisfying(
            message -> assertThat(message).contains("cassandra:a:9042,b:9042/dbt", "sales/shop"));
  }
}
