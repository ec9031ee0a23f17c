package io.dbtoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Run by {@link LocalKubeletIT} as a pod's container: an in-cluster fabric8 client, configured from
 * nothing but the pod's environment, reads the ConfigMap its ServiceAccount may read and reports
 * what the API server answers for one it may not.
 */
public final class InClusterProbe {

  private InClusterProbe() {}

  public static void main(String[] args) {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      System.out.println("namespace=" + client.getNamespace());
      System.out.println(
          "message=" + client.configMaps().withName(args[0]).get().getData().get("message"));
      try {
        client.configMaps().withName(args[1]).get();
        System.out.println("other=readable");
      } catch (KubernetesClientException e) {
        System.out.println("other=" + e.getCode());
      }
    }
  }
}
