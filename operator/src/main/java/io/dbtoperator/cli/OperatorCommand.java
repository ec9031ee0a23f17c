package io.dbtoperator.cli;

import io.dbtoperator.metrics.OperatorMetrics;
import io.dbtoperator.metrics.ProbeServer;
import io.dbtoperator.reconcile.DbtProjectReconciler;
import io.dbtoperator.reconcile.DbtSchemaReconciler;
import io.dbtoperator.reconcile.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the operator against the cluster in KUBECONFIG, or the in-cluster config. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Runs the operator: reconciles DbtProjects and DbtSchemas until stopped.")
final class OperatorCommand implements Callable<Integer> {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OperatorCommand.class);

  @Option(
      names = "--work-dir",
      defaultValue = ".dbt-operator/operator",
      description = "Git clones and workspaces (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(
      names = "--dbt",
      description =
          "A local dbt to parse projects with; without it, commits are parsed in pods of the dbt"
              + " image.")
  Path dbt;

  @Option(
      names = "--image",
      defaultValue = "ghcr.io/dbt-operator/dbt-operator:0.1.0",
      description = "Operator image, for checkout init containers and clock CronJobs.")
  String image;

  @Option(names = "--threads", defaultValue = "4", description = "dbt --threads.")
  int threads;

  @Option(
      names = "--max-runs",
      defaultValue = "4",
      description = "Schema runs at once per project (default: ${DEFAULT-VALUE}).")
  int maxRuns;

  @Option(
      names = "--max-runs-total",
      defaultValue = "20",
      description =
          "Schema runs at once in all projects of this operator (default: ${DEFAULT-VALUE}).")
  int maxRunsTotal;

  @Option(
      names = "--max-failures",
      defaultValue = "3",
      description = "Consecutive failures after which a schema is Stalled.")
  int maxFailures;

  @Option(
      names = "--retry-base",
      defaultValue = "PT30S",
      description =
          "First retry delay after a failed run, doubled per failure (default: ${DEFAULT-VALUE}).")
  Duration retryBase;

  @Option(
      names = "--git-poll",
      defaultValue = "PT1M",
      description = "How often a followed branch is fetched (default: ${DEFAULT-VALUE}).")
  Duration gitPoll;

  @Option(
      names = "--lease-namespace",
      defaultValue = "default",
      description = "Namespace of the leader-election Lease (default: ${DEFAULT-VALUE}).")
  String leaseNamespace;

  @Option(
      names = "--namespaces",
      split = ",",
      description =
          "Namespaces to reconcile, comma-separated (default: all). The Helm chart's"
              + " watchNamespaces: with a list, the operator holds its role only there.")
  java.util.List<String> namespaces;

  @Option(
      names = "--metrics-port",
      defaultValue = "8080",
      description =
          "Port of /metrics, /healthz and /readyz; 0 serves none (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  /**
   * How long a stop waits for the reconciles going to finish their current step. Kept under the
   * pod's default grace period of 30 s; a run cut off later resumes from its last recorded step.
   */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  @Override
  public Integer call() throws InterruptedException {
    if (threads < 1) {
      throw new UserInputException("--threads: must be at least 1, got " + threads);
    }
    if (maxRuns < 1) {
      throw new UserInputException("--max-runs: must be at least 1, got " + maxRuns);
    }
    if (maxRunsTotal < 1) {
      throw new UserInputException("--max-runs-total: must be at least 1, got " + maxRunsTotal);
    }
    if (retryBase.isNegative() || retryBase.isZero()) {
      throw new UserInputException("--retry-base: must be positive, got " + retryBase);
    }
    if (gitPoll.isNegative() || gitPoll.isZero()) {
      throw new UserInputException("--git-poll: must be positive, got " + gitPoll);
    }
    if (maxFailures < 1) {
      throw new UserInputException("--max-failures: must be at least 1, got " + maxFailures);
    }
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new UserInputException(
          "--metrics-port: must be a port from 1 to 65535, or 0 for none, got " + metricsPort);
    }
    OperatorSettings settings =
        new OperatorSettings(
            workDir.toAbsolutePath(),
            dbt == null ? null : dbt.toAbsolutePath(),
            image,
            threads,
            maxRuns,
            maxRunsTotal,
            Duration.ofHours(6),
            gitPoll,
            maxFailures,
            retryBase,
            Duration.ofMinutes(30),
            "dbt-operator@" + leaseNamespace);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    OperatorMetrics metrics = new OperatorMetrics(registry, Clock.systemUTC());
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<Operator> created = new AtomicReference<>();
    // First, so that a port in use fails before anything starts, and liveness holds while the
    // informers sync, which may take long; readiness waits for them.
    ProbeServer probes = null;
    if (metricsPort != 0) {
      try {
        probes =
            ProbeServer.start(
                metricsPort,
                registry::scrape,
                () ->
                    created.get() == null
                        ? Optional.of("starting")
                        : notReady(created.get(), stopping));
      } catch (java.io.IOException e) {
        throw new UserInputException(
            "--metrics-port: cannot listen on " + metricsPort + ": " + e.getMessage(), e);
      }
    }
    ProbeServer served = probes;
    String identity = ManagementFactory.getRuntimeMXBean().getName();
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withMetrics(metrics.josdk())
                    // The SDK's default is not to wait at all: running reconciles were cut off.
                    .withReconciliationTerminationTimeout(STOP_TIMEOUT)
                    .withLeaderElectionConfiguration(
                        new LeaderElectionConfiguration(
                            "dbt-operator-leader",
                            leaseNamespace,
                            LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                            LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                            LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                            identity,
                            new LeaderCallbacks(
                                () ->
                                    LOG.info("dbt-operator: reconciling as leader ({})", identity),
                                () -> lostLease(identity, stopping),
                                leader -> {}),
                            // The SDK's own exit on losing the lease calls System.exit also when
                            // its stop cancels the election, from the shutdown hook: the JVM then
                            // waits forever for the hook. lostLease exits only when the lease was
                            // lost, not given up.
                            false)));
    // The informers of pods and of the other resource follow their controller's namespaces.
    java.util.Set<String> watched =
        namespaces == null ? java.util.Set.of() : new java.util.TreeSet<>(namespaces);
    operator.register(
        new DbtProjectReconciler(
            settings, Clock.systemUTC(), KillSwitch.fromEnvironment(System.getenv()), metrics),
        o -> {
          if (!watched.isEmpty()) {
            o.settingNamespaces(watched);
          }
        });
    operator.register(
        new DbtSchemaReconciler(settings, Clock.systemUTC()),
        o -> {
          if (!watched.isEmpty()) {
            o.settingNamespaces(watched);
          }
        });
    created.set(operator);
    CountDownLatch stopped = new CountDownLatch(1);
    // java-operator-sdk installs no shutdown hook of its own under leader election. Its stop
    // starts no new reconcile, lets the running ones finish for STOP_TIMEOUT, then interrupts them.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  LOG.info("dbt-operator: stopping; reconciles going may finish");
                  operator.stop();
                  if (served != null) {
                    served.close();
                  }
                  stopped.countDown();
                }));
    operator.start();
    LOG.info(
        "dbt-operator: started as {}; the leader holds the Lease dbt-operator-leader in {}",
        identity,
        leaseNamespace);
    stopped.await();
    return Main.NO_CHANGES;
  }

  /**
   * Another replica took the lease, or it could not be renewed: this one must stop reconciling at
   * once, as the new leader may have started. A halt, not the graceful stop: that would let passes
   * go on for STOP_TIMEOUT beside the new leader's. Cut off like a killed process, the runs resume
   * from their recorded steps; the pod restarts as a standby.
   */
  private static void lostLease(String identity, AtomicBoolean stopping) {
    if (stopping.get()) {
      return;
    }
    LOG.error("dbt-operator: lost the lease; exiting ({})", identity);
    Runtime.getRuntime().halt(1);
  }

  /**
   * Ready once the SDK has started, which it does on every replica, the leader or not: a replica
   * starts its informers and waits for their caches to sync before it competes for the Lease, and
   * only its reconciling waits for leadership. Not ready while an informer cannot watch, or once
   * stopping.
   */
  static Optional<String> notReady(Operator operator, AtomicBoolean stopping) {
    if (stopping.get()) {
      return Optional.of("stopping");
    }
    RuntimeInfo info = operator.getRuntimeInfo();
    if (!info.isStarted()) {
      return Optional.of("starting: informers are syncing");
    }
    if (!info.allEventSourcesAreHealthy()) {
      return Optional.of(
          "informers not healthy: " + String.join(", ", info.unhealthyEventSources().keySet()));
    }
    return Optional.empty();
  }
}
