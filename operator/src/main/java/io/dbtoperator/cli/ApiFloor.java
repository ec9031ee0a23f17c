package io.dbtoperator.cli;

import io.dbtoperator.reconcile.Labels;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the API server alone needs to create the pods the operator launched: copies of them, created
 * directly by many threads, with nothing else done per pod. The benchmark's floor on this machine,
 * to compare the operator's launch time with, side by side in one run.
 */
final class ApiFloor {
  private ApiFloor() {}

  /** Seconds to create a copy of every run pod in the namespace, from {@code threads} threads. */
  static double secondsToCopyRunPods(KubernetesClient admin, String namespace, int threads)
      throws Exception {
    List<Pod> copies =
        admin
            .pods()
            .inNamespace(namespace)
            .withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
            .list()
            .getItems()
            .stream()
            .map(ApiFloor::copy)
            .toList();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Instant start = Instant.now();
      List<Future<Pod>> created = new ArrayList<>();
      for (Pod pod : copies) {
        created.add(pool.submit(() -> admin.pods().inNamespace(namespace).resource(pod).create()));
      }
      for (Future<Pod> each : created) {
        each.get();
      }
      return Duration.between(start, Instant.now()).toMillis() / 1000.0;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The same pod under another name, without the labels the operator selects its pods by. */
  private static Pod copy(Pod pod) {
    ObjectMeta meta = pod.getMetadata();
    Map<String, String> labels = new HashMap<>(meta.getLabels());
    labels.remove(Labels.MANAGED_BY);
    labels.put("bench/floor", "true");
    pod.setMetadata(
        new ObjectMetaBuilder()
            .withName(meta.getName() + "-floor")
            .withNamespace(meta.getNamespace())
            .withLabels(labels)
            .withAnnotations(meta.getAnnotations())
            .build());
    pod.getSpec().setNodeName(null);
    pod.setStatus(null);
    return pod;
  }
}
