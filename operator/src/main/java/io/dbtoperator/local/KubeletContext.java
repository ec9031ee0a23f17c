package io.dbtoperator.local;

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
    Duration maxGrace) {}
