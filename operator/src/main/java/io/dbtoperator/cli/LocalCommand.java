package io.dbtoperator.cli;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.local.ImageMap;
import io.dbtoperator.local.LocalKubelet;
import io.dbtoperator.local.MockApiServer;
import io.dbtoperator.reconcile.DbtProjectReconciler;
import io.dbtoperator.reconcile.DbtSchemaReconciler;
import io.dbtoperator.reconcile.OperatorSettings;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jgit.api.Git;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The operator on a laptop: against the API server in KUBECONFIG, with the local kubelet running
 * its pods as local processes, an embedded PostgreSQL, SQLite state and local artifacts, for the
 * user's own dbt project in a local git repository. It shows the DbtSchemas as they change.
 */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description =
        "Runs the operator for a local dbt project on the API server in KUBECONFIG (e.g. started"
            + " by scripts/kube-apiserver.sh), with a local kubelet and an embedded PostgreSQL.")
final class LocalCommand implements Callable<Integer> {
  static final String OPERATOR_IMAGE = "dbt-operator:local";
  static final String DBT_IMAGE = "ghcr.io/dbt-labs/dbt-postgres:1.10.15";

  @Spec CommandSpec spec;

  @Option(names = "--repo", defaultValue = ".", description = "Git repository of the project.")
  Path repo;

  @Option(
      names = "--project-dir",
      defaultValue = ".",
      description = "Directory of dbt_project.yml in the repository.")
  String projectDir;

  @Option(names = "--ref", description = "Branch to follow (default: the checked-out one).")
  String ref;

  @Option(names = "--name", defaultValue = "shop", description = "Name of the DbtProject.")
  String name;

  @Option(names = "--namespace", defaultValue = "dbt-local", description = "Namespace to use.")
  String namespace;

  @Option(
      names = "--work",
      defaultValue = ".dbt-operator/local",
      description = "PostgreSQL data, state, artifacts and pods' directories.")
  Path work;

  @Option(names = "--dbt", defaultValue = ".venv/bin/dbt", description = "dbt of the pods.")
  Path dbt;

  @Option(
      names = "--roles",
      split = ",",
      description = "Roles to create in the embedded PostgreSQL, for the project's grants.")
  List<String> roles = List.of();

  @Option(names = "--clock", defaultValue = "*/5 * * * *", description = "Schedule of ticks.")
  String clock;

  @Option(
      names = "--api-server",
      defaultValue = "kubeconfig",
      description =
          "kubeconfig: the API server in KUBECONFIG; mock: fabric8's in-memory API server, started"
              + " here (no controllers: CronJobs don't fire; its kubeconfig is written to"
              + " <work>/kubeconfig).")
  ApiServer apiServer;

  enum ApiServer {
    kubeconfig,
    mock
  }

  @Override
  public Integer call() throws Exception {
    // The table and kubectl tell the story; the libraries' info lines would drown it.
    // Read by LogConfigurator when the first logger is made, which is after this.
    System.setProperty("dbt-operator.log.sdk", "WARN");
    System.setProperty("dbt-operator.log.fabric8", "ERROR");
    System.setProperty("dbt-operator.log.local", "WARN");
    PrintWriter out = spec.commandLine().getOut();
    Path root = work.toAbsolutePath();
    Path dbtPath = dbt.toAbsolutePath();
    if (!Files.isExecutable(dbtPath)) {
      throw new UserInputException("--dbt: " + dbtPath + " is not an executable dbt");
    }
    String branch = ref != null ? ref : currentBranch(repo.toAbsolutePath());
    for (String role : roles) {
      if (!role.matches("[a-z_][a-z0-9_]*")) {
        throw new UserInputException("--roles: \"" + role + "\" is not a role name");
      }
    }
    Files.createDirectories(root);
    MockApiServer mock = apiServer == ApiServer.mock ? MockApiServer.start() : null;
    KubernetesClient client;
    if (mock != null) {
      Path kubeconfig = root.resolve("kubeconfig");
      mock.writeKubeconfig(kubeconfig);
      client = mock.client();
      out.println(
          "API server: fabric8's mock API server at "
              + mock.url()
              + " (kubeconfig "
              + kubeconfig
              + "); it has no controllers, so CronJobs don't fire by themselves");
    } else {
      client = new KubernetesClientBuilder().build();
      try {
        out.println(
            "API server: "
                + client.getMasterUrl()
                + " (Kubernetes "
                + client.getKubernetesVersion().getGitVersion()
                + ")");
      } catch (KubernetesClientException e) {
        throw new UserInputException(
            "KUBECONFIG: cannot reach an API server ("
                + client.getMasterUrl()
                + "); start one with: eval \"$(scripts/kube-apiserver.sh start)\", or use"
                + " --api-server mock");
      }
    }
    applyCrds(client, mock == null);
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(root.resolve("postgres"))
            .setCleanDataDirectory(false)
            .start();
    String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    preparePostgres(postgres.getPort(), password);
    out.println("PostgreSQL: localhost:" + postgres.getPort() + " (database dbt_local, user dbt)");

    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .createOr(n -> n.update());
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name + "-warehouse")
                .endMetadata()
                .withStringData(Map.of("password", password))
                .build())
        .createOr(s -> s.update());
    LocalKubelet kubelet =
        LocalKubelet.builder(client)
            .namespaces(List.of(namespace))
            .images(
                ImageMap.builder()
                    .entrypoint(OPERATOR_IMAGE, List.of(javaBinary(), "-jar", ownJar().toString()))
                    .entrypoint(DBT_IMAGE, List.of(dbtPath.toString()))
                    .build())
            .workDirectory(Files.createDirectories(root.resolve("kubelet")))
            .start();
    OperatorSettings settings =
        new OperatorSettings(
            root.resolve("operator"),
            null,
            OPERATOR_IMAGE,
            4,
            4,
            4,
            Duration.ofHours(6),
            Duration.ofSeconds(5),
            3,
            Duration.ofSeconds(10),
            Duration.ofMinutes(5),
            "dbt-operator@local");
    Operator operator =
        new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    operator.register(new DbtProjectReconciler(settings, Clock.systemUTC()));
    operator.register(new DbtSchemaReconciler(settings, Clock.systemUTC()));
    operator.start();
    out.println("local kubelet: node " + kubelet.nodeName() + "; operator started");
    client.resource(project(postgres.getPort(), branch, root)).createOr(p -> p.update());
    out.println(
        "applied dbtproject "
            + namespace
            + "/"
            + name
            + " following "
            + branch
            + " of "
            + repo.toAbsolutePath());
    out.flush();

    SchemaTable table = new SchemaTable(client, namespace, out);
    table.watch();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  table.close();
                  operator.stop();
                  kubelet.close();
                  client.close();
                  if (mock != null) {
                    mock.close();
                  }
                  try {
                    postgres.close();
                  } catch (IOException e) {
                    System.err.println("cannot stop the embedded PostgreSQL: " + e.getMessage());
                  }
                  stopped.countDown();
                }));
    stopped.await();
    return Main.NO_CHANGES;
  }

  private DbtProject project(int port, String branch, Path root) {
    String yaml =
        """
        apiVersion: dbtoperator.io/v1alpha1
        kind: DbtProject
        metadata: {name: %s, namespace: %s}
        spec:
          git: {url: "%s", ref: %s, projectDir: "%s"}
          dbt: {image: %s}
          warehouse:
            type: postgres
            postgres: {host: localhost, port: %d, database: dbt_local, user: dbt, schema: public}
            secretRef: {name: %s-warehouse, passwordKey: password}
          state: {type: sqlite, sqlite: {path: "%s"}}
          artifacts: {type: local, local: {path: "%s"}}
          clock: "%s"
        """
            .formatted(
                name,
                namespace,
                repo.toAbsolutePath(),
                branch,
                projectDir,
                DBT_IMAGE,
                port,
                name,
                root.resolve("state.db"),
                root.resolve("artifacts"),
                clock);
    return Serialization.unmarshal(yaml, DbtProject.class);
  }

  private void preparePostgres(int port, String password) throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
        Statement s = c.createStatement()) {
      boolean exists;
      try (var rs = s.executeQuery("select 1 from pg_roles where rolname = 'dbt'")) {
        exists = rs.next();
      }
      // The password is generated here and reaches dbt only through the Secret.
      s.execute(
          (exists ? "alter" : "create") + " role dbt login createrole password '" + password + "'");
      try (var rs = s.executeQuery("select 1 from pg_database where datname = 'dbt_local'")) {
        if (!rs.next()) {
          s.execute("create database dbt_local owner dbt");
        }
      }
      for (String role : roles) {
        try (var rs = s.executeQuery("select 1 from pg_roles where rolname = '" + role + "'")) {
          if (!rs.next()) {
            s.execute("create role " + role);
          }
        }
      }
    }
  }

  private static void applyCrds(KubernetesClient client, boolean waitForEstablished)
      throws IOException {
    for (String file :
        List.of("dbtprojects.dbtoperator.io-v1.yml", "dbtschemas.dbtoperator.io-v1.yml")) {
      try (InputStream in = LocalCommand.class.getResourceAsStream("/crds/" + file)) {
        if (in == null) {
          throw new IllegalStateException("the jar lacks crds/" + file);
        }
        client.load(in).serverSideApply();
      }
    }
    if (!waitForEstablished) {
      return;
    }
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("dbtprojects.dbtoperator.io")
        .waitUntilCondition(
            c ->
                c.getStatus() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
            30,
            java.util.concurrent.TimeUnit.SECONDS);
  }

  private static String currentBranch(Path repository) throws IOException {
    try (Git git = Git.open(repository.toFile())) {
      return git.getRepository().getBranch();
    } catch (org.eclipse.jgit.errors.RepositoryNotFoundException e) {
      throw new UserInputException("--repo: " + repository + " is not a git repository");
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Path ownJar() throws URISyntaxException {
    Path jar =
        Path.of(LocalCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (!Files.isRegularFile(jar)) {
      throw new UserInputException(
          "local: run it from the jar (java -jar dbt-operator.jar local), not from classes");
    }
    return jar;
  }
}
