package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.run.ArtifactLocation;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.ArtifactStoreException;
import io.dbtoperator.run.PostgresTarget;
import io.dbtoperator.run.SnowflakeTarget;
import io.dbtoperator.run.WarehouseTarget;
import io.dbtoperator.state.CassandraSettings;
import io.dbtoperator.state.CassandraStateStore;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.PostgresSettings;
import io.dbtoperator.warehouse.SnowflakeSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a project's spec and Secrets resolve to: the git clone, the state store, the artifact store
 * and the warehouse, opened for one reconcile and closed after it.
 *
 * @param secretEnv the environment variables of dbt pods that hold secrets, to the Secret keys
 *     holding them
 */
record ProjectBackends(
    JGitRepository repository,
    StateStore store,
    ArtifactStore artifacts,
    WarehouseTarget target,
    Map<String, RunPods.SecretKey> secretEnv)
    implements AutoCloseable {

  static ProjectBackends open(DbtProject project, Secrets secrets, GitCache git, Clock clock) {
    DbtProjectSpec spec = project.getSpec();
    WarehouseTarget target = target(spec, secrets);
    GitAuth.check(spec.git());
    ArtifactStore artifacts = artifacts(spec, secrets);
    StateStore store = null;
    try {
      store = store(spec, secrets, clock);
      JGitRepository repository =
          git.open(
              project.getMetadata().getNamespace(),
              project.getMetadata().getName(),
              spec.git(),
              secrets);
      return new ProjectBackends(repository, store, artifacts, target, secretEnv(spec.warehouse()));
    } catch (RuntimeException e) {
      artifacts.close();
      if (store != null) {
        store.close();
      }
      throw e;
    }
  }

  /** The run pods' secret variables, each from a Secret key, so no secret is in the pod spec. */
  static Map<String, RunPods.SecretKey> secretEnv(DbtProjectSpec.Warehouse warehouse) {
    DbtProjectSpec.WarehouseSecretRef ref = warehouse.secretRef();
    if (warehouse.type() == DbtProjectSpec.WarehouseType.postgres) {
      return Map.of(
          PostgresTarget.PASSWORD_ENV, new RunPods.SecretKey(ref.name(), ref.passwordKey()));
    }
    DbtProjectSpec.SnowflakeAuthentication authentication = warehouse.snowflake().authentication();
    Map<String, RunPods.SecretKey> env = new LinkedHashMap<>();
    SnowflakeTarget.secretKeysByEnv(
            authentication == null
                ? DbtProjectSpec.SnowflakeAuthentication.keyPair
                : authentication,
            ref.passwordKey(),
            ref.privateKeyKey(),
            ref.privateKeyPassphraseKey())
        .forEach((variable, key) -> env.put(variable, new RunPods.SecretKey(ref.name(), key)));
    return env;
  }

  static WarehouseTarget target(DbtProjectSpec spec, Secrets secrets) {
    DbtProjectSpec.Warehouse warehouse = spec.warehouse();
    if (warehouse.type() == DbtProjectSpec.WarehouseType.snowflake) {
      return snowflake(warehouse, secrets);
    }
    DbtProjectSpec.Postgres pg = warehouse.postgres();
    DbtProjectSpec.WarehouseSecretRef ref = warehouse.secretRef();
    if (ref.passwordKey() == null) {
      throw new SpecProblem(
          "InvalidSpec", "spec.warehouse.secretRef.passwordKey: required for type postgres");
    }
    String password = secrets.require(ref.name(), ref.passwordKey(), "spec.warehouse.secretRef");
    PostgresSettings settings =
        new PostgresSettings(
            pg.host(),
            pg.port() == null ? 5432 : pg.port(),
            pg.database(),
            pg.user(),
            password,
            pg.sslmode() == null ? null : sslmode(pg.sslmode()));
    return new PostgresTarget(settings, pg.schema());
  }

  private static WarehouseTarget snowflake(DbtProjectSpec.Warehouse warehouse, Secrets secrets) {
    DbtProjectSpec.WarehouseSecretRef ref = warehouse.secretRef();
    SnowflakeSettings settings;
    try {
      settings =
          SnowflakeSettings.fromSpec(warehouse, key -> secrets.value(ref.name(), key).orElse(null));
    } catch (IllegalArgumentException e) {
      throw new SpecProblem("InvalidSpec", e.getMessage());
    }
    return new SnowflakeTarget(settings, warehouse.snowflake().schema());
  }

  private static String sslmode(DbtProjectSpec.SslMode mode) {
    return switch (mode) {
      case verifyCa -> "verify-ca";
      case verifyFull -> "verify-full";
      default -> mode.name();
    };
  }

  static ArtifactStore artifacts(DbtProjectSpec spec, Secrets secrets) {
    try {
      return ArtifactLocation.fromSpec(spec.artifacts(), secrets::value, System.getenv()).open();
    } catch (ArtifactStoreException e) {
      throw new SpecProblem("InvalidArtifactStore", e.getMessage());
    }
  }

  static StateStore store(DbtProjectSpec spec, Secrets secrets, Clock clock) {
    DbtProjectSpec.State state = spec.state();
    if (state == null || state.type() == DbtProjectSpec.StateType.sqlite) {
      return SqliteStateStore.open(Path.of(sqlitePath(state)), clock);
    }
    try {
      return CassandraStateStore.open(
          CassandraSettings.fromSpec(
              state,
              ref ->
                  secrets
                      .bytes(ref.name(), ref.key())
                      .orElseThrow(
                          () ->
                              new SpecProblem(
                                  "SecretNotFound",
                                  "spec.state: secret \""
                                      + ref.name()
                                      + "\" or its key \""
                                      + ref.key()
                                      + "\" not found"))),
          clock);
    } catch (IllegalArgumentException e) {
      throw new SpecProblem("InvalidStateStore", e.getMessage());
    }
  }

  /** The SQLite file of a project's state, for type sqlite or no state settings. */
  static String sqlitePath(DbtProjectSpec.State state) {
    return state == null || state.sqlite() == null || state.sqlite().path() == null
        ? "/var/lib/dbt-operator/state.db"
        : state.sqlite().path();
  }

  ArtifactStore.ProjectKey artifactKey(DbtProject project) {
    return new ArtifactStore.ProjectKey(
        project.getMetadata().getNamespace(), project.getMetadata().getName());
  }

  @Override
  public void close() {
    repository.close();
    artifacts.close();
    store.close();
  }
}
