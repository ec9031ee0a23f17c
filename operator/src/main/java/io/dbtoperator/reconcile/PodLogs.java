package io.dbtoperator.reconcile;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/** The containers of a pod the operator made, and their logs read through the API. */
final class PodLogs {
  private static final String JVM_NOTICE =
      "Picked up JAVA_TOOL_OPTIONS: " + RunPods.SHORT_COMMAND_JVM_OPTIONS;

  private PodLogs() {}

  /** Init containers first, then the others. */
  static List<ContainerStatus> statuses(Pod pod) {
    List<ContainerStatus> statuses = new ArrayList<>();
    if (pod.getStatus() == null) {
      return statuses;
    }
    if (pod.getStatus().getInitContainerStatuses() != null) {
      statuses.addAll(pod.getStatus().getInitContainerStatuses());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      statuses.addAll(pod.getStatus().getContainerStatuses());
    }
    return statuses;
  }

  /**
   * The container's log lines; none when it has not written any. The line the JVM writes about the
   * options the operator gave it (RunPods.SHORT_COMMAND_JVM_OPTIONS) is left out: it is no output
   * of the command.
   */
  static List<String> lines(KubernetesClient client, Pod pod, String container) {
    String log =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .inContainer(container)
            .getLog();
    return log == null ? List.of() : withoutJvmNotice(log);
  }

  static List<String> withoutJvmNotice(String log) {
    return log.lines().filter(line -> !line.startsWith(JVM_NOTICE)).toList();
  }
}
