package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** A pod's status as the local kubelet reports it, from the state of its run. */
record PodStatusReport(
    String phase,
    String reason,
    String message,
    boolean initialized,
    Instant startTime,
    List<ContainerTrack> initContainers,
    List<ContainerTrack> containers) {

  PodStatus toStatus() {
    boolean terminal = phase.equals("Succeeded") || phase.equals("Failed");
    boolean ready = !terminal && containers.stream().allMatch(ContainerTrack::isRunning);
    String notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
    List<PodCondition> conditions =
        List.of(
            condition("PodReadyToStartContainers", !terminal, null),
            condition(
                "Initialized",
                initialized || initContainers.isEmpty(),
                initialized ? null : "ContainersNotInitialized"),
            condition("Ready", ready, ready ? null : notReadyReason),
            condition("ContainersReady", ready, ready ? null : notReadyReason),
            condition("PodScheduled", true, null));
    return new PodStatusBuilder()
        .withPhase(phase)
        .withReason(terminal ? reason : null)
        .withMessage(terminal ? message : null)
        .withHostIP(LocalKubelet.ADDRESS)
        .withHostIPs(new HostIP(LocalKubelet.ADDRESS))
        .withPodIP(LocalKubelet.ADDRESS)
        .withPodIPs(new PodIP(LocalKubelet.ADDRESS))
        .withStartTime(
            startTime == null ? null : startTime.truncatedTo(ChronoUnit.SECONDS).toString())
        .withConditions(conditions)
        .withInitContainerStatuses(statuses(initContainers))
        .withContainerStatuses(statuses(containers))
        .build();
  }

  private static PodCondition condition(String type, boolean value, String reason) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(value ? "True" : "False")
        .withReason(reason)
        .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
  }

  private static List<ContainerStatus> statuses(List<ContainerTrack> tracks) {
    return tracks.stream().map(ContainerTrack::status).toList();
  }
}
