package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubelet that runs pods as local processes, for a control plane without nodes (see
 * scripts/kube-apiserver.sh): it registers a Node, binds the unscheduled pods it watches to it,
 * runs them (see {@link PodRun}, {@link ImageMap}, {@link PodVolumes}), reports their status and
 * serves their logs to the API server.
 *
 * <pre>{@code
 * try (LocalKubelet kubelet = LocalKubelet.builder(client)
 *     .namespaces(List.of("demo"))
 *     .images(ImageMap.parse(List.of("dbt-operator:*:=java -jar target/dbt-operator.jar")))
 *     .start()) {
 *   ...
 * }
 * }</pre>
 */
public final class LocalKubelet implements AutoCloseable {

  /** The address of the node and of every pod on it. */
  public static final String ADDRESS = "127.0.0.1";

  private static final Logger LOG = LoggerFactory.getLogger(LocalKubelet.class);

  private final KubernetesClient client;
  private final String nodeName;
  private final Path workDirectory;
  private final boolean ownsWorkDirectory;
  private final KubeletContext context;
  private final ExecutorService control;
  private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
  private final Set<String> finalDeletes = ConcurrentHashMap.newKeySet();
  private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private KubeletServer server;
  private NodeRegistration node;

  private LocalKubelet(Builder builder, Path workDirectory) {
    this.client = builder.client;
    this.nodeName = builder.nodeName;
    this.workDirectory = workDirectory;
    this.ownsWorkDirectory = builder.workDirectory == null;
    this.context =
        new KubeletContext(
            client,
            builder.images,
            Executors.newCachedThreadPool(daemon("local-kubelet-worker")),
            Executors.newScheduledThreadPool(1, daemon("local-kubelet-timer")),
            builder.maxGrace);
    this.control = Executors.newSingleThreadExecutor(daemon("local-kubelet-control"));
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  public String nodeName() {
    return nodeName;
  }

  /** The port of the kubelet's HTTPS endpoint on {@link #ADDRESS}. */
  public int port() {
    return server.port();
  }

  /** Where the pods' volumes, working directories and logs are. */
  public Path workDirectory() {
    return workDirectory;
  }

  private void start(List<String> namespaces, Duration heartbeat) throws IOException {
    server = KubeletServer.start(workDirectory, nodeName, this::findLog, context.workers());
    node = new NodeRegistration(client, nodeName, server.port());
    node.register();
    context
        .timers()
        .scheduleAtFixedRate(
            this::beat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    ResourceEventHandler<Pod> handler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            control.execute(() -> reconcile(pod));
          }

          @Override
          public void onUpdate(Pod old, Pod pod) {
            control.execute(() -> reconcile(pod));
          }

          @Override
          public void onDelete(Pod pod, boolean finalStateUnknown) {
            control.execute(() -> removed(pod));
          }
        };
    if (namespaces.isEmpty()) {
      informers.add(client.pods().inAnyNamespace().inform(handler, 0));
    } else {
      for (String namespace : namespaces) {
        informers.add(client.pods().inNamespace(namespace).inform(handler, 0));
      }
    }
    LOG.info(
        "local kubelet {} on {}:{}, pods in {}",
        nodeName,
        ADDRESS,
        port(),
        namespaces.isEmpty() ? "all namespaces" : namespaces);
  }

  private void beat() {
    try {
      node.beat(true);
    } catch (KubernetesClientException e) {
      LOG.warn("node {}: heartbeat failed: {}", nodeName, e.getMessage());
    }
  }

  private void reconcile(Pod pod) {
    try {
      String boundTo = pod.getSpec().getNodeName();
      boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
      if (boundTo == null || boundTo.isEmpty()) {
        if (!deleting) {
          bind(pod);
        }
        return;
      }
      if (!boundTo.equals(nodeName)) {
        return;
      }
      String uid = pod.getMetadata().getUid();
      PodRun run = runs.get(uid);
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (deleting) {
        if (run != null) {
          run.stop("Deleted", null, true);
        } else if (finalDeletes.add(uid)) {
          context.workers().execute(() -> deleteNow(pod));
        }
      } else if (run == null && (phase == null || phase.equals("Pending"))) {
        run = new PodRun(context, pod, podDirectory(pod));
        runs.put(uid, run);
        run.start();
      } else if (run == null && phase.equals("Running")) {
        orphaned(pod);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("pod {}: {}", key(pod), e.getMessage());
    }
  }

  /** The scheduler's part: pods/binding, which fails if another kubelet bound the pod first. */
  private void bind(Pod pod) {
    String path =
        "api/v1/namespaces/"
            + pod.getMetadata().getNamespace()
            + "/pods/"
            + pod.getMetadata().getName()
            + "/binding";
    Map<String, Object> binding =
        Map.of(
            "apiVersion",
            "v1",
            "kind",
            "Binding",
            "metadata",
            Map.of(
                "name", pod.getMetadata().getName(), "namespace", pod.getMetadata().getNamespace()),
            "target",
            Map.of("apiVersion", "v1", "kind", "Node", "name", nodeName));
    try {
      String answer =
          client.raw(
              client.getMasterUrl().toString().replaceAll("/$", "") + "/" + path, "POST", binding);
      if (answer == null) {
        LOG.debug("pod {} was deleted before it was bound", key(pod));
        return;
      }
      LOG.info("pod {} bound to {}", key(pod), nodeName);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      LOG.debug("pod {} was bound by someone else", key(pod));
    }
  }

  /** A pod this node ran before a restart of the kubelet: its processes are gone. */
  private void orphaned(Pod pod) {
    Pod failed =
        new PodBuilder()
            .withNewMetadata()
            .withName(pod.getMetadata().getName())
            .withNamespace(pod.getMetadata().getNamespace())
            .endMetadata()
            .withNewStatus()
            .withPhase("Failed")
            .withReason("LocalKubeletRestarted")
            .withMessage("the local kubelet restarted and its processes are gone")
            .endStatus()
            .build();
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(failed).patchStatus();
  }

  private void removed(Pod pod) {
    PodRun run = runs.remove(pod.getMetadata().getUid());
    finalDeletes.remove(pod.getMetadata().getUid());
    if (run != null) {
      run.gone();
      run.done().thenRunAsync(() -> deletePodDirectory(pod), context.workers());
    }
  }

  private void deletePodDirectory(Pod pod) {
    try {
      deleteTree(podDirectory(pod));
    } catch (UncheckedIOException e) {
      LOG.warn("pod {}: {}", key(pod), e.getMessage());
    }
  }

  private void deleteNow(Pod pod) {
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .withGracePeriod(0)
          .delete();
    } catch (KubernetesClientException e) {
      LOG.warn("pod {}: final delete failed: {}", key(pod), e.getMessage());
    }
  }

  private Optional<KubeletServer.ContainerLog> findLog(
      String namespace, String name, String container) {
    return runs.values().stream()
        .filter(
            r ->
                r.pod().getMetadata().getNamespace().equals(namespace)
                    && r.pod().getMetadata().getName().equals(name))
        .max(Comparator.comparing(r -> r.pod().getMetadata().getCreationTimestamp()))
        .flatMap(r -> r.container(container))
        .map(t -> new KubeletServer.ContainerLog(t.log(), t::isRunning));
  }

  private Path podDirectory(Pod pod) {
    return workDirectory
        .resolve("pods")
        .resolve(
            pod.getMetadata().getNamespace()
                + "_"
                + pod.getMetadata().getName()
                + "_"
                + pod.getMetadata().getUid());
  }

  /** Stops watching, stops every pod's processes and marks the node not ready. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    informers.forEach(SharedIndexInformer::close);
    control.shutdownNow();
    for (PodRun run : runs.values()) {
      run.stop("KubeletStopped", "the local kubelet stopped", false);
    }
    for (PodRun run : runs.values()) {
      try {
        run.done().get(context.maxGrace().toSeconds() + 10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("pod {} did not stop in time: {}", run.key(), e.toString());
      }
    }
    if (node != null) {
      try {
        node.beat(false);
      } catch (KubernetesClientException e) {
        LOG.warn("node {}: cannot mark it not ready: {}", nodeName, e.getMessage());
      }
    }
    if (server != null) {
      server.close();
    }
    context.timers().shutdownNow();
    context.workers().shutdownNow();
    if (ownsWorkDirectory) {
      deleteTree(workDirectory);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  public static final class Builder {
    private final KubernetesClient client;
    private String nodeName = "local-kubelet";
    private List<String> namespaces = List.of();
    private ImageMap images = ImageMap.builder().build();
    private Path workDirectory;
    private Duration heartbeat = Duration.ofSeconds(10);
    private Duration maxGrace = Duration.ofSeconds(10);

    private Builder(KubernetesClient client) {
      this.client = client;
    }

    public Builder nodeName(String nodeName) {
      this.nodeName = nodeName;
      return this;
    }

    /** The namespaces whose pods this kubelet binds and runs; none means all. */
    public Builder namespaces(List<String> namespaces) {
      this.namespaces = List.copyOf(namespaces);
      return this;
    }

    public Builder images(ImageMap images) {
      this.images = images;
      return this;
    }

    /** Where pods' files go; by default a temporary directory deleted by {@link #close()}. */
    public Builder workDirectory(Path workDirectory) {
      this.workDirectory = workDirectory;
      return this;
    }

    public Builder heartbeat(Duration heartbeat) {
      this.heartbeat = heartbeat;
      return this;
    }

    /** The longest a stopped container gets between SIGTERM and SIGKILL. */
    public Builder maxGracePeriod(Duration maxGrace) {
      this.maxGrace = maxGrace;
      return this;
    }

    /**
     * Registers the node and starts running pods.
     *
     * @throws IOException when the work directory or the HTTPS endpoint cannot be made
     */
    public LocalKubelet start() throws IOException {
      Path dir =
          workDirectory != null
              ? Files.createDirectories(workDirectory)
              : Files.createTempDirectory("local-kubelet-");
      Files.setPosixFilePermissions(dir, PodVolumes.permissions(0700));
      LocalKubelet kubelet = new LocalKubelet(this, dir);
      try {
        kubelet.start(namespaces, heartbeat);
      } catch (IOException | RuntimeException e) {
        kubelet.close();
        throw e;
      }
      return kubelet;
    }
  }
}
