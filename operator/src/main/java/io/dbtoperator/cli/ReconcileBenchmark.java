package io.dbtoperator.cli;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.reconcile.Labels;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.LocalArtifactStore;
import io.dbtoperator.state.ManifestPointer;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator benchmark's driver, as bench/reconcile.sh runs it: an embedded PostgreSQL with a
 * database per project, the state stores and artifact store seeded so that every schema is live at
 * the commit and due for a refresh, the DbtProjects on the API server, and the operator as its own
 * process. Then one tick on every project at once, and the figures: the time until every due run's
 * pod exists, the operator's API requests (from the API server's audit log, which records only the
 * operator's user), and its heap after a GC; with PROFILE=1 in the environment, also where the
 * operator's reconciler threads spend the time (thread-dump samples). It prints figures; it is not
 * a test.
 *
 * <p>Arguments: work-dir repo-url commit manifest config projects operator-kubeconfig audit-log jar
 * [operator JVM options...]. The admin client comes from KUBECONFIG.
 */
public final class ReconcileBenchmark {
  static final String NAMESPACE = "bench";
  static final String OPERATOR_USER = "dbt-operator";
  static final Duration READY_TIMEOUT = Duration.ofMinutes(15);
  static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(10);
  static final Duration STEADY_WINDOW = Duration.ofSeconds(10);
  static final Duration SAMPLE_EVERY = Duration.ofMillis(250);
  static final int FLOOR_THREADS = 32;
  static final int HISTOGRAM_ROWS = 15;

  private ReconcileBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]).toAbsolutePath();
    String repoUrl = args[1];
    String commit = args[2];
    Path manifest = Path.of(args[3]);
    Path config = Path.of(args[4]);
    int projects = Integer.parseInt(args[5]);
    Path operatorKubeconfig = Path.of(args[6]);
    Path audit = Path.of(args[7]);
    Path jar = Path.of(args[8]);
    List<String> operatorJvm = List.of(args).subList(9, args.length);

    List<String> schemas =
        SchemaGraph.build(ManifestReader.read(manifest), PlanCommand.readConfig(config))
            .schemas()
            .stream()
            .map(SchemaNode::name)
            .toList();
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= projects; i++) {
      names.add(String.format(Locale.ROOT, "bench-%03d", i));
    }
    int due = projects * schemas.size();
    log("%d projects x %d schemas = %d due schemas", projects, schemas.size(), due);

    // fsync off: the warehouse's durability is not what is measured, and 2 shared cores are slow
    // enough without it.
    try (EmbeddedPostgres postgres =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "300")
                .setDataDirectory(work.resolve("postgres"))
                .start();
        KubernetesClient admin = new KubernetesClientBuilder().build()) {
      String password =
          java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(12));
      preparePostgres(postgres.getPort(), password, names);
      seed(work, names, schemas, commit, manifest);
      createResources(admin, work, names, repoUrl, commit, postgres.getPort(), password);
      log("seeded; starting the operator");
      Process operator = startOperator(jar, operatorJvm, work, operatorKubeconfig, schemas.size());
      // Interrupted (Ctrl-C), the operator must not outlive the benchmark.
      Thread stopOperator = new Thread(operator::destroy);
      Runtime.getRuntime().addShutdownHook(stopOperator);
      try {
        run(admin, operator, audit, names, due, "1".equals(System.getenv("PROFILE")));
      } finally {
        operator.destroy();
        if (!operator.waitFor(20, TimeUnit.SECONDS)) {
          operator.destroyForcibly();
        }
        Runtime.getRuntime().removeShutdownHook(stopOperator);
      }
    }
  }

  private static void run(
      KubernetesClient admin,
      Process operator,
      Path audit,
      List<String> names,
      int due,
      boolean profile)
      throws Exception {
    Instant started = Instant.now();
    awaitReady(admin, operator, names, due);
    log("every project Ready after %.1f s; waiting for the operator to go quiet", since(started));
    AuditLog log = new AuditLog(audit);
    log.awaitQuiet(Duration.ofSeconds(3), Duration.ofMinutes(2));

    Map<String, Instant> pods = new ConcurrentHashMap<>();
    AtomicReference<Instant> lastPod = new AtomicReference<>();
    try (Watch watch =
        admin
            .pods()
            .inNamespace(NAMESPACE)
            .withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (action == Action.ADDED
                        && pods.putIfAbsent(pod.getMetadata().getName(), Instant.now()) == null) {
                      lastPod.set(Instant.now());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    log("pod watch closed: %s", cause.getMessage());
                  }
                })) {
      int before = pods.size();
      if (before != 0) {
        throw new IllegalStateException(before + " run pods exist before the tick");
      }
      ProcessCpu cpu = ProcessCpu.parse(System.getenv("BENCH_CPU_PIDS"), operator.pid());
      Map<String, Double> cpuAtTick = cpu.read();
      Instant tick = tick(admin, names);
      log("tick fired at %s on %d projects", tick, names.size());
      // Each dump is a jcmd process (a JVM start) and a safepoint in the operator: on a small
      // machine that slows the launch it measures, so the profile is asked for separately.
      ThreadSampler sampler = profile ? new ThreadSampler(operator.pid()) : null;
      Instant deadline = tick.plus(LAUNCH_TIMEOUT);
      while (pods.size() < due && Instant.now().isBefore(deadline) && operator.isAlive()) {
        if (sampler != null) {
          sampler.sample();
        }
        Thread.sleep(SAMPLE_EVERY.toMillis());
      }
      Instant launched = lastPod.get();
      Map<String, Double> cpuAtLaunch = cpu.read();
      boolean complete = pods.size() >= due;
      double launchSeconds =
          launched == null ? Double.NaN : Duration.between(tick, launched).toMillis() / 1000.0;
      // The window ends when every project has written its status after the tick: its first
      // pass is over, including the schema statuses it writes after creating the pods.
      Instant passesDone = log.awaitStatusWrites(tick, names, Duration.ofMinutes(2));
      Instant windowEnd = passesDone == null ? Instant.now() : passesDone;
      if (launched != null && launched.isAfter(windowEnd)) {
        windowEnd = launched;
      }
      Thread.sleep(STEADY_WINDOW.toMillis() + 1000);
      log.read();
      Instant steadyEnd = windowEnd.plus(STEADY_WINDOW);
      Map<String, Integer> launch = log.countBetween(tick, windowEnd);
      Map<String, Integer> steady = log.countBetween(windowEnd, steadyEnd);
      Heap heap = Heap.afterGc(operator.pid());
      String histogram = Heap.topClasses(operator.pid(), HISTOGRAM_ROWS);
      double floorSeconds = ApiFloor.secondsToCopyRunPods(admin, NAMESPACE, FLOOR_THREADS);

      int launchTotal = launch.values().stream().mapToInt(Integer::intValue).sum();
      int steadyTotal = steady.values().stream().mapToInt(Integer::intValue).sum();
      System.out.printf(
          Locale.ROOT, "due_schemas=%d pods_created=%d complete=%s%n", due, pods.size(), complete);
      System.out.printf(
          Locale.ROOT,
          "time_to_launch_s=%.2f goal_s=5 ratio=%.2fx%n",
          launchSeconds,
          launchSeconds / 5.0);
      System.out.printf(
          Locale.ROOT,
          "launch_window_s=%.2f requests=%d per_due_schema=%.2f%n",
          Duration.between(tick, windowEnd).toMillis() / 1000.0,
          launchTotal,
          launchTotal / (double) due);
      launch.forEach(
          (key, count) ->
              System.out.printf(
                  Locale.ROOT,
                  "  launch %-40s %6d  %.2f/schema%n",
                  key,
                  count,
                  count / (double) due));
      System.out.printf(
          Locale.ROOT,
          "steady_window_s=%d requests=%d per_due_schema=%.2f (runs pending, no kubelet)%n",
          STEADY_WINDOW.toSeconds(),
          steadyTotal,
          steadyTotal / (double) due);
      steady.forEach(
          (key, count) ->
              System.out.printf(
                  Locale.ROOT,
                  "  steady %-40s %6d  %.2f/schema%n",
                  key,
                  count,
                  count / (double) due));
      System.out.printf(
          Locale.ROOT,
          "heap_after_gc_mib=%.1f goal_mib=256 ratio=%.2fx heap_committed_mib=%.1f%n",
          heap.usedMib(),
          heap.usedMib() / 256.0,
          heap.committedMib());
      System.out.printf(
          Locale.ROOT,
          "api_floor_s=%.2f (the same %d pods created directly from %d threads)"
              + " launch_vs_floor=%.2fx%n",
          floorSeconds,
          pods.size(),
          FLOOR_THREADS,
          launchSeconds / floorSeconds);
      System.out.print("cpu_s from the tick to the last pod:");
      cpuAtLaunch.forEach(
          (name, seconds) ->
              System.out.printf(Locale.ROOT, " %s=%.1f", name, seconds - cpuAtTick.get(name)));
      System.out.println();
      System.out.println("heap histogram, largest classes after GC:");
      System.out.print(histogram);
      if (sampler != null) {
        sampler.print();
      }
    }
  }

  /** Every project Ready and every DbtSchema created with a Ready status. */
  private static void awaitReady(
      KubernetesClient admin, Process operator, List<String> names, int due)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    Set<String> wanted = new HashSet<>(names);
    while (true) {
      if (!operator.isAlive()) {
        throw new IllegalStateException("the operator exited with " + operator.exitValue());
      }
      long ready =
          admin.resources(DbtProject.class).inNamespace(NAMESPACE).list().getItems().stream()
              .filter(p -> wanted.contains(p.getMetadata().getName()))
              .filter(p -> p.getStatus() != null && "Ready".equals(p.getStatus().phase()))
              .count();
      long schemas =
          admin.resources(DbtSchema.class).inNamespace(NAMESPACE).list().getItems().stream()
              .filter(s -> s.getStatus() != null && "Ready".equals(s.getStatus().phase()))
              .count();
      if (ready == names.size() && schemas == due) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "not ready in "
                + READY_TIMEOUT
                + ": "
                + ready
                + " projects, "
                + schemas
                + " schemas Ready");
      }
      Thread.sleep(2000);
    }
  }

  /** The clock's annotation on every project at once, as their CronJobs would set it. */
  private static Instant tick(KubernetesClient admin, List<String> names) throws Exception {
    Instant tick = Instant.now();
    String token = tick.toString();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> patches = new ArrayList<>();
      for (String name : names) {
        patches.add(
            pool.submit(
                () ->
                    admin
                        .resources(DbtProject.class)
                        .inNamespace(NAMESPACE)
                        .withName(name)
                        .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"annotations\":{\""
                                + Labels.REFRESH_REQUESTED
                                + "\":\""
                                + token
                                + "\"}}}")));
      }
      for (Future<?> patch : patches) {
        patch.get();
      }
    } finally {
      pool.shutdown();
    }
    return tick;
  }

  private static void preparePostgres(int port, String password, List<String> names)
      throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("create role dbt login createrole password '" + password + "'");
      for (String name : names) {
        // A database per project: projects of one repository build schemas of the same names.
        s.execute("create database " + database(name) + " owner dbt");
      }
    }
  }

  static String database(String project) {
    return project.replace('-', '_');
  }

  /**
   * What a finished deploy leaves: every schema live at the commit, refreshed two hours ago (the
   * project's cadence is hourly, so all are due), the manifest pointer at the commit, and the
   * commit's manifest in the artifact store. No parse pod and no deploy are needed then.
   */
  private static void seed(
      Path work, List<String> names, List<String> schemas, String commit, Path manifest) {
    Instant refreshed = Instant.now().minus(Duration.ofHours(2));
    try (ArtifactStore artifacts = new LocalArtifactStore(work.resolve("artifacts"))) {
      for (String name : names) {
        try (StateStore store =
            SqliteStateStore.open(work.resolve("state").resolve(name + ".db"), Clock.systemUTC())) {
          for (String schema : schemas) {
            if (!store.compareAndSet(
                0, new SchemaState(name, schema, commit, refreshed, refreshed, null, 0))) {
              throw new IllegalStateException(name + "/" + schema + " is already in the store");
            }
          }
          store.compareAndSetManifest(
              0, new ManifestPointer(name, commit, "manifest/" + commit + ".json", refreshed, 0));
        }
        artifacts.putManifest(new ArtifactStore.ProjectKey(NAMESPACE, name), commit, manifest);
      }
    }
  }

  private static void createResources(
      KubernetesClient admin,
      Path work,
      List<String> names,
      String repoUrl,
      String commit,
      int port,
      String password) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .create();
    admin
        .secrets()
        .inNamespace(NAMESPACE)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bench-pg")
                .endMetadata()
                .withStringData(Map.of("password", password))
                .build())
        .create();
    for (String name : names) {
      // The clock never fires during the run (1 January): the tick is the benchmark's own.
      String yaml =
          """
          apiVersion: dbtoperator.io/v1alpha1
          kind: DbtProject
          metadata: {name: %s, namespace: %s}
          spec:
            git: {url: "%s", commit: "%s"}
            warehouse:
              type: postgres
              postgres: {host: localhost, port: %d, database: %s, user: dbt, schema: public}
              secretRef: {name: bench-pg, passwordKey: password}
            state: {type: sqlite, sqlite: {path: "%s"}}
            artifacts: {type: local, local: {path: "%s"}}
            clock: "0 0 1 1 *"
          """
              .formatted(
                  name,
                  NAMESPACE,
                  repoUrl,
                  commit,
                  port,
                  database(name),
                  work.resolve("state").resolve(name + ".db"),
                  work.resolve("artifacts"));
      admin.resource(Serialization.unmarshal(yaml, DbtProject.class)).create();
    }
  }

  private static Process startOperator(
      Path jar, List<String> jvm, Path work, Path kubeconfig, int maxRuns) throws IOException {
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(jvm);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "operator",
            "--work-dir",
            work.resolve("operator").toString(),
            "--image",
            "dbt-operator:bench",
            // Every due schema of a project may start in the tick; the default of 4 at once
            // would hold back the rest for a free slot, which only a finished build gives.
            "--max-runs",
            Integer.toString(maxRuns),
            // Nor an operator-wide limit: the benchmark launches every due run of every project.
            "--max-runs-total",
            "1000000",
            // No git poll in the measured window: the projects pin a commit.
            "--git-poll",
            "PT30M",
            // Metrics and probes stay on, on a free port: 8080 may be taken on the machine.
            "--metrics-port",
            Integer.toString(freePort())));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("operator.log").toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return builder.start();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static double since(Instant start) {
    return Duration.between(start, Instant.now()).toMillis() / 1000.0;
  }

  static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[reconcile-bench] " + format + "%n", args);
  }
}
