package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real control plane (etcd, kube-apiserver, kube-controller-manager) for integration tests,
 * started once per JVM by {@code scripts/kube-apiserver.sh start} and stopped when the JVM exits,
 * with the CRDs of crds/ applied. With {@code KUBECONFIG_IT} set to the kubeconfig of one already
 * running, that one is used and left running.
 *
 * <pre>{@code
 * KubernetesClient client = KubeControlPlane.get().client();
 * String namespace = KubeControlPlane.get().createNamespace("my-it");
 * }</pre>
 *
 * <p>There are no nodes: run a {@link LocalKubelet} for pods to run.
 */
public final class KubeControlPlane {

  public static final String REUSE_VARIABLE = "KUBECONFIG_IT";

  /**
   * The one user whose requests the audit log records: the operator's ServiceAccount of ChartRbacIT
   * (namespace {@link #AUDITED_NAMESPACE}, name {@link #AUDITED_SERVICE_ACCOUNT}). The policy is
   * fixed at start, so the name is fixed here; other users cost no log line.
   */
  public static final String AUDITED_NAMESPACE = "dbt-operator-rbac";

  public static final String AUDITED_SERVICE_ACCOUNT = "dbt-operator";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static KubeControlPlane instance;

  private final Path kubeconfig;
  private final Path kubectl;
  private final KubernetesClient client;
  private final Duration startupTime;
  private final Path auditLog;

  private KubeControlPlane(Path kubeconfig, Path kubectl, Duration startupTime, Path auditLog) {
    this.kubeconfig = kubeconfig;
    this.kubectl = kubectl;
    this.startupTime = startupTime;
    this.auditLog = auditLog;
    this.client = newClient();
  }

  /** The control plane of this JVM, started on first use. */
  public static synchronized KubeControlPlane get() {
    if (instance == null) {
      instance = startOrReuse();
      instance.applyCrds();
      instance.awaitServiceAccount("default", "default");
    }
    return instance;
  }

  /** An admin client (system:masters) shared by the tests; do not close it. */
  public KubernetesClient client() {
    return client;
  }

  /** A new admin client, for code that closes its client. */
  public KubernetesClient newClient() {
    try {
      String text = Files.readString(kubeconfig);
      return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(text)).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + kubeconfig + ": " + e.getMessage(), e);
    }
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The kubectl built with the control plane. */
  public Path kubectl() {
    return kubectl;
  }

  /**
   * The API server's audit log (JSON lines, Metadata level) of the requests of {@link
   * #AUDITED_NAMESPACE}/{@link #AUDITED_SERVICE_ACCOUNT}; null when an existing control plane was
   * reused.
   */
  public Path auditLog() {
    return auditLog;
  }

  /** How long starting the control plane took (zero when an existing one was reused). */
  public Duration startupTime() {
    return startupTime;
  }

  /** A new namespace {@code PREFIX-RANDOM}, once its default ServiceAccount exists. */
  public String createNamespace(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    awaitServiceAccount(name, "default");
    return name;
  }

  /** Waits for a ServiceAccount, which the kube-controller-manager creates in every namespace. */
  public void awaitServiceAccount(String namespace, String name) {
    client
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(sa -> sa != null, READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The repository's root directory: the one holding requirements-dbt.lock. */
  public static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("requirements-dbt.lock"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "no repository root (holding requirements-dbt.lock) above "
              + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  private void applyCrds() {
    try (Stream<Path> files = Files.list(repositoryRoot().resolve("crds"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        CustomResourceDefinition crd;
        try (InputStream in = Files.newInputStream(file)) {
          crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        }
        var resource = client.apiextensions().v1().customResourceDefinitions().resource(crd);
        resource.fieldManager("kube-control-plane").forceConflicts().serverSideApply();
        resource.waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            x -> x.getType().equals("Established") && x.getStatus().equals("True")),
            READY_TIMEOUT.toSeconds(),
            TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read crds/: " + e.getMessage(), e);
    }
  }

  private static KubeControlPlane startOrReuse() {
    String reuse = System.getenv(REUSE_VARIABLE);
    Path script = repositoryRoot().resolve("scripts/kube-apiserver.sh");
    if (reuse != null && !reuse.isBlank()) {
      String kubectl = System.getenv().getOrDefault("KUBECTL", "kubectl");
      return new KubeControlPlane(Path.of(reuse), Path.of(kubectl), Duration.ZERO, null);
    }
    Path auditDir;
    try {
      auditDir = Files.createTempDirectory("kube-audit");
      Files.writeString(
          auditDir.resolve("policy.yaml"),
          """
          apiVersion: audit.k8s.io/v1
          kind: Policy
          omitStages: [RequestReceived]
          rules:
            - level: Metadata
              users: ["system:serviceaccount:%s:%s"]
            - level: None
          """
              .formatted(AUDITED_NAMESPACE, AUDITED_SERVICE_ACCOUNT));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path auditLog = auditDir.resolve("audit.log");
    long start = System.nanoTime();
    Map<String, String> values =
        run(
            List.of("bash", script.toString(), "start"),
            Map.of(
                "KAS_APISERVER_ARGS",
                "--audit-policy-file="
                    + auditDir.resolve("policy.yaml")
                    + " --audit-log-path="
                    + auditLog
                    + " --audit-log-maxsize=1000"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String dir = require(values, "KAS_DIR");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    run(List.of("bash", script.toString(), "stop", dir), Map.of());
                  } catch (IllegalStateException e) {
                    System.err.println(e.getMessage());
                  }
                }));
    return new KubeControlPlane(
        Path.of(require(values, "KUBECONFIG")),
        Path.of(require(values, "KUBECTL")),
        took,
        auditLog);
  }

  /** Runs the script, its progress on our stderr, and returns the KEY=VALUE lines it printed. */
  private static Map<String, String> run(List<String> command, Map<String, String> environment) {
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
      builder.environment().putAll(environment);
      Process process = builder.start();
      String out;
      try (InputStream in = process.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      int code = process.waitFor();
      if (code != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed with exit code " + code);
      }
      Map<String, String> values = new HashMap<>();
      for (String line : out.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.contains(" ")) {
          values.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return values;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  private static String require(Map<String, String> values, String key) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalStateException("scripts/kube-apiserver.sh start printed no " + key);
    }
    return value;
  }
}
