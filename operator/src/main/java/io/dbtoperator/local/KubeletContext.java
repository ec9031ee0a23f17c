package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/** What the pods of a local kubelet share. */
record KubeletContext(
    KubernetesClient client,
    ImageMap images,
    ExecutorService workers,
    ScheduledExecutorService timers,
    Duration maxGrace) {

  /** How long a pod's processes get from TERM to KILL: the pod's grace, capped by the kubelet's. */
  Duration grace(Pod pod) {
    Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (seconds == null) {
      seconds = pod.getSpec().getTerminationGracePeriodSeconds();
    }
    Duration grace = Duration.ofSeconds(seconds == null ? 30 : seconds);
    return grace.compareTo(maxGrace) > 0 ? maxGrace : grace;
  }
}
