package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import java.nio.file.Path;
import java.time.Instant;

/** One container of a running pod: its process, its state and its log file. */
final class ContainerTrack {

  private final String name;
  private final String image;
  private final Path log;
  private ProcessGroup process;
  private ContainerState state;
  private ContainerState lastState;
  private int restartCount;
  private Integer exitCode;

  ContainerTrack(Container container, Path log, String waitingReason) {
    this.name = container.getName();
    this.image = container.getImage();
    this.log = log;
    this.state =
        new ContainerStateBuilder().withNewWaiting().withReason(waitingReason).endWaiting().build();
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  synchronized ProcessGroup process() {
    return process;
  }

  synchronized Integer exitCode() {
    return exitCode;
  }

  /** Waiting to start, or, after it ended, to be restarted: that counts as a restart. */
  synchronized void waiting(String reason, String message) {
    if (state.getTerminated() != null) {
      lastState = state;
      restartCount++;
    }
    state =
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .build();
  }

  synchronized void running(ProcessGroup started) {
    process = started;
    exitCode = null;
    state = new ContainerStateBuilder().withNewRunning().withStartedAt(now()).endRunning().build();
  }

  /** The container ended, or could not start (then {@code message} says why). */
  synchronized void terminated(int code, String reason, String message) {
    String startedAt = state.getRunning() != null ? state.getRunning().getStartedAt() : null;
    exitCode = code;
    state =
        new ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(code)
            .withReason(reason != null ? reason : code == 0 ? "Completed" : "Error")
            .withMessage(message)
            .withStartedAt(startedAt)
            .withFinishedAt(now())
            .endTerminated()
            .build();
  }

  synchronized ContainerStatus status() {
    boolean running = state.getRunning() != null;
    return new ContainerStatusBuilder()
        .withName(name)
        .withImage(image)
        .withImageID("local://" + image)
        .withContainerID(process == null ? null : "local://" + process.pid())
        .withReady(running)
        .withStarted(running)
        .withRestartCount(restartCount)
        .withState(state)
        .withLastState(lastState)
        .build();
  }

  private static String now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }
}
