package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod on the local kubelet: its volumes, its init containers one after the other, then its
 * containers side by side, each a local process group, and the pod's status as it goes.
 *
 * <p>A container that fails is restarted when the restartPolicy says so (OnFailure, Always; init
 * containers under both), after a back-off of 1, 2, 4... up to 10 seconds; under Never the pod
 * fails.
 *
 * <p>Native sidecars (init containers with restartPolicy Always) behave as on a kubelet of 1.29 and
 * later: the next init container starts once the sidecar runs; it is restarted whenever it exits
 * while the pod runs; once the other containers are over (or the pod fails, or is stopped) it gets
 * SIGTERM, sidecars in reverse order; its exit code does not count, and the pod turns Succeeded or
 * Failed only after it stopped.
 */
final class PodRun {

  private static final Logger LOG = LoggerFactory.getLogger(PodRun.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  private static final int START_ERROR = 128;
  // how often a pod waiting for a missing Secret or ConfigMap looks again
  private static final Duration MISSING_RETRY = Duration.ofSeconds(1);

  private final KubeletContext context;
  private final Pod pod;
  private final Path dir;
  private final PodContainers containers;
  private final PodApi api;
  private final List<Future<Integer>> sidecarRuns = new ArrayList<>();
  private volatile boolean sidecarsStopping;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile String phase = "Pending";
  private volatile boolean initialized;
  private volatile String reason;
  private volatile String message;
  private volatile Instant startTime;
  private String stopReason;
  private boolean deleteWhenDone;
  private boolean gone;
  private boolean finished;

  PodRun(KubeletContext context, Pod pod, Path dir) throws IOException {
    this.context = context;
    this.pod = pod;
    this.dir = dir;
    this.containers = new PodContainers(pod, Files.createDirectories(dir.resolve("logs")));
    this.api = new PodApi(context.client(), pod);
  }

  Pod pod() {
    return pod;
  }

  Optional<ContainerTrack> container(String name) {
    return containers.named(name);
  }

  CompletableFuture<Void> done() {
    return done;
  }

  void start() {
    context.workers().execute(this::run);
  }

  /**
   * Stops the pod's processes: TERM, then KILL after the grace period (capped by the kubelet). With
   * {@code delete}, the pod is deleted for good (grace 0) once its processes are gone.
   */
  void stop(String why, String detail, boolean delete) {
    List<ProcessGroup> running = new ArrayList<>();
    synchronized (this) {
      if (stopReason == null) {
        stopReason = why;
        if (detail != null) {
          reason = why;
          message = detail;
        }
      }
      if (finished) {
        // the pod ended before it was deleted: only the final delete is left
        if (delete && !deleteWhenDone && !gone) {
          deleteWhenDone = true;
          context.workers().execute(api::deleteForGood);
        }
        return;
      }
      deleteWhenDone |= delete;
      for (ContainerTrack track : containers.all()) {
        // sidecars outlive the other containers: run() stops them once those are gone
        if (track.isRunning() && !containers.isSidecar(track)) {
          running.add(track.process());
        }
      }
      notifyAll();
    }
    context.workers().execute(() -> stopAll(running));
  }

  /** The pod disappeared from the API server: stop without reporting anything. */
  void gone() {
    synchronized (this) {
      gone = true;
    }
    stop("Deleted", null, false);
  }

  private void stopAll(List<ProcessGroup> groups) {
    Duration grace = context.grace(pod);
    try {
      for (ProcessGroup group : groups) {
        group.stop(grace);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    ScheduledFuture<?> deadline = null;
    try {
      startTime = Instant.now();
      publish();
      Long active = pod.getSpec().getActiveDeadlineSeconds();
      if (active != null) {
        deadline =
            context
                .timers()
                .schedule(
                    () ->
                        stop(
                            "DeadlineExceeded",
                            "Pod was active on the node longer than the specified deadline",
                            false),
                    active,
                    TimeUnit.SECONDS);
      }
      PodVolumes volumes = new PodVolumes(context.client(), pod, dir.resolve("volumes"));
      while (!materialized(volumes)) {
        if (!pause(MISSING_RETRY)) {
          break;
        }
      }
      String result;
      try {
        result = stopped() ? "Failed" : runAll(volumes);
      } finally {
        stopSidecars();
      }
      // terminal only now: a kubelet reports the phase once every container, sidecars too, ended
      phase = result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      phase = "Failed";
    } catch (IOException | RuntimeException e) {
      LOG.warn("pod {}: {}", key(), e.getMessage());
      phase = "Failed";
      reason = "LocalKubeletError";
      message = e.getMessage();
    } finally {
      if (deadline != null) {
        deadline.cancel(false);
      }
      finish();
    }
  }

  private String runAll(PodVolumes volumes) throws IOException, InterruptedException {
    String policy = pod.getSpec().getRestartPolicy();
    for (ContainerTrack track : containers.init()) {
      if (containers.isSidecar(track)) {
        startSidecar(track, volumes);
        continue;
      }
      int code =
          runContainer(track, containers.spec(track), volumes, !"Never".equals(policy), false);
      if (code != 0 || stopped()) {
        return "Failed";
      }
    }
    initialized = true;
    phase = "Running";
    for (ContainerTrack track : containers.main()) {
      track.waiting("ContainerCreating", null);
    }
    publish();
    List<Future<Integer>> results = new ArrayList<>();
    for (ContainerTrack track : containers.main()) {
      Container spec = containers.spec(track);
      results.add(
          context
              .workers()
              .submit(
                  () ->
                      runContainer(
                          track, spec, volumes, !"Never".equals(policy), "Always".equals(policy))));
    }
    boolean allSucceeded = true;
    for (Future<Integer> result : results) {
      try {
        allSucceeded &= result.get() == 0;
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
      }
    }
    return allSucceeded && !"DeadlineExceeded".equals(stopReason()) ? "Succeeded" : "Failed";
  }

  /** Starts a sidecar and returns once it runs, or once it could not start. */
  private void startSidecar(ContainerTrack track, PodVolumes volumes) throws InterruptedException {
    Container spec = containers.spec(track);
    Future<Integer> run =
        context.workers().submit(() -> runContainer(track, spec, volumes, true, true));
    synchronized (this) {
      sidecarRuns.add(run);
    }
    while (track.process() == null && !run.isDone() && !stopped()) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  /** SIGTERM to the sidecars in reverse order, each waited for, as a kubelet ends them. */
  private void stopSidecars() throws InterruptedException {
    List<ProcessGroup> processes = new ArrayList<>();
    List<Future<Integer>> runs;
    synchronized (this) {
      // under the lock that runOnce starts processes under: none starts after this
      sidecarsStopping = true;
      notifyAll();
      runs = new ArrayList<>(sidecarRuns);
      for (ContainerTrack track : containers.sidecars()) {
        if (track.process() != null) {
          processes.add(0, track.process());
        }
      }
    }
    for (ProcessGroup process : processes) {
      process.stop(context.grace(pod));
    }
    for (Future<Integer> run : runs) {
      try {
        run.get();
      } catch (ExecutionException e) {
        LOG.warn("pod {}: sidecar: {}", key(), e.getCause().getMessage());
      }
    }
  }

  /** Runs a container until it ends for good; returns its last exit code. */
  private int runContainer(
      ContainerTrack track, Container spec, PodVolumes volumes, boolean onFailure, boolean always)
      throws InterruptedException, IOException {
    Duration backoff = Duration.ofSeconds(1);
    boolean sidecar = containers.isSidecar(track);
    while (true) {
      int code = runOnce(track, spec, volumes);
      boolean restart = always || (onFailure && code != 0);
      if (!restart || stopped() || (sidecar && sidecarsStopping)) {
        return code;
      }
      track.waiting("CrashLoopBackOff", "back-off " + backoff.toSeconds() + "s restarting");
      publish();
      if (!pause(backoff) || (sidecar && sidecarsStopping)) {
        return code;
      }
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
  }

  private int runOnce(ContainerTrack track, Container spec, PodVolumes volumes)
      throws InterruptedException, IOException {
    Path containerDir = Files.createDirectories(dir.resolve("containers").resolve(track.name()));
    ProcessGroup process;
    try {
      ContainerLaunch launch;
      while (true) {
        try {
          launch =
              ContainerLaunch.of(
                  context.client(),
                  pod,
                  spec,
                  volumes.mounts(spec),
                  context.images(),
                  containerDir);
          break;
        } catch (MissingObjectException e) {
          track.waiting("CreateContainerConfigError", e.getMessage());
          publish();
          if (!pause(MISSING_RETRY)) {
            return START_ERROR;
          }
        }
      }
      synchronized (this) {
        if (stopReason != null || (sidecarsStopping && containers.isSidecar(track))) {
          return START_ERROR;
        }
        process = ProcessGroup.start(launch.argv(), launch.env(), launch.workDir(), track.log());
        track.running(process);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("pod {} container {}: {}", key(), track.name(), e.getMessage());
      track.terminated(START_ERROR, "StartError", e.getMessage());
      publish();
      return START_ERROR;
    }
    LOG.info("pod {} container {} started (pid {})", key(), track.name(), process.pid());
    publish();
    int code = process.waitFor();
    track.terminated(code, null, null);
    LOG.info("pod {} container {} exited with {}", key(), track.name(), code);
    publish();
    return code;
  }

  /**
   * Writes the volumes; false, with the containers waiting, while an object they need is missing.
   */
  private boolean materialized(PodVolumes volumes) throws IOException {
    try {
      volumes.materialize();
      return true;
    } catch (MissingObjectException e) {
      for (ContainerTrack track : containers.all()) {
        track.waiting("ContainerCreating", e.getMessage());
      }
      publish();
      return false;
    }
  }

  /** Waits unless the pod is stopped meanwhile; returns whether it still runs. */
  private boolean pause(Duration duration) throws InterruptedException {
    synchronized (this) {
      if (stopReason == null) {
        wait(duration.toMillis());
      }
      return stopReason == null;
    }
  }

  private void finish() {
    publish();
    boolean delete;
    synchronized (this) {
      finished = true;
      delete = deleteWhenDone && !gone;
    }
    if (delete) {
      api.deleteForGood();
    }
    done.complete(null);
  }

  /** Writes the pod's status; a pod that is gone is stopped. */
  synchronized void publish() {
    if (gone) {
      return;
    }
    if (!api.writeStatus(status())) {
      gone = true;
      context.workers().execute(() -> stop("Deleted", null, false));
    }
  }

  private PodStatus status() {
    return new PodStatusReport(
            phase, reason, message, initialized, startTime, containers.init(), containers.main())
        .toStatus();
  }

  private synchronized boolean stopped() {
    return stopReason != null;
  }

  private synchronized String stopReason() {
    return stopReason;
  }

  String key() {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }
}
