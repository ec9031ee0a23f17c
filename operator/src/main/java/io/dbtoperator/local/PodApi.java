package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the local kubelet writes to the API server about one pod: its status and its deletion. */
final class PodApi {
  private static final Logger LOG = LoggerFactory.getLogger(PodApi.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  PodApi(KubernetesClient client, Pod pod) {
    this.client = client;
    this.namespace = pod.getMetadata().getNamespace();
    this.name = pod.getMetadata().getName();
  }

  /**
   * Writes the pod's status; a failure other than the pod being gone is logged and left for the
   * next write to make good.
   *
   * @return false when the pod is gone from the API server
   */
  boolean writeStatus(PodStatus status) {
    Pod patch =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withStatus(status)
            .build();
    try {
      client.pods().inNamespace(namespace).resource(patch).patchStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      LOG.warn("pod {}/{}: status update failed: {}", namespace, name, e.getMessage());
    }
    return true;
  }

  /** What a kubelet does once a deleted pod's containers are gone: delete it with grace 0. */
  void deleteForGood() {
    try {
      client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("pod {}/{}: final delete failed: {}", namespace, name, e.getMessage());
    }
  }
}
