package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state store keeps a project's rows under its name alone, so two DbtProjects of one name in
 * different namespaces that point at the same store would read and write each other's live commits
 * and runs. The older of them keeps the store; the newer is refused until one of them gets its own
 * {@code spec.state}. Astra is left out: its database is only known from the bundle in a Secret.
 */
final class SharedStateGuard {
  static final String REASON = "StateStoreShared";

  private SharedStateGuard() {}

  /** The problem with {@code project}'s state store, if an older same-named project uses it. */
  static Optional<String> problem(DbtProject project, Stream<DbtProject> others) {
    String identity = identity(project.getSpec().state());
    if (identity == null) {
      return Optional.empty();
    }
    String name = project.getMetadata().getName();
    String namespace = project.getMetadata().getNamespace();
    return others
        .filter(other -> name.equals(other.getMetadata().getName()))
        .filter(other -> !namespace.equals(other.getMetadata().getNamespace()))
        .filter(other -> !other.isMarkedForDeletion())
        .filter(other -> identity.equals(identity(other.getSpec().state())))
        .filter(other -> olderFirst().compare(other, project) < 0)
        .min(olderFirst())
        .map(
            owner ->
                "spec.state: the state store "
                    + identity
                    + " is used by DbtProject "
                    + owner.getMetadata().getNamespace()
                    + "/"
                    + name
                    + ", and state is kept by project name; give one of them its own spec.state");
  }

  /** Creation time, then namespace: the same order wherever it is computed. */
  private static Comparator<DbtProject> olderFirst() {
    return Comparator.comparing(
            (DbtProject p) -> Objects.toString(p.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(p -> p.getMetadata().getNamespace());
  }

  private static String identity(DbtProjectSpec.State state) {
    if (state == null || state.type() == DbtProjectSpec.StateType.sqlite) {
      return "sqlite:" + ProjectBackends.sqlitePath(state);
    }
    if (state.type() == DbtProjectSpec.StateType.cassandra && state.cassandra() != null) {
      List<String> contacts = state.cassandra().contactPoints().stream().sorted().toList();
      return "cassandra:" + String.join(",", contacts) + "/" + state.cassandra().keyspace();
    }
    return null;
  }
}
