package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The kubelet's Node and its heartbeat: a Ready condition and a Lease in kube-node-lease renewed on
 * every beat, with the address and port the API server uses to reach the kubelet for logs.
 */
final class NodeRegistration {

  static final String VERSION = "v1.34.4-local";
  private static final String LEASE_NAMESPACE = "kube-node-lease";
  private static final int LEASE_SECONDS = 40;

  private final KubernetesClient client;
  private final String name;
  private final int port;
  private final String since = now();

  NodeRegistration(KubernetesClient client, String name, int port) {
    this.client = client;
    this.name = name;
    this.port = port;
  }

  /** Creates or takes over the Node, marked Ready. */
  void register() {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(
                Map.of(
                    "kubernetes.io/hostname", name,
                    "kubernetes.io/os", "linux",
                    "node.dbt-operator.io/local", "true"))
            .endMetadata()
            .build();
    client.nodes().resource(node).fieldManager("local-kubelet").forceConflicts().serverSideApply();
    beat(true);
  }

  /** Refreshes the Ready condition and the Lease; {@code ready=false} marks the node stopped. */
  void beat(boolean ready) {
    Node status =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withStatus(status(ready))
            .build();
    client.nodes().resource(status).patchStatus();
    if (ready) {
      Lease lease =
          new LeaseBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(LEASE_NAMESPACE)
              .endMetadata()
              .withNewSpec()
              .withHolderIdentity(name)
              .withLeaseDurationSeconds(LEASE_SECONDS)
              .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC))
              .endSpec()
              .build();
      client
          .leases()
          .inNamespace(LEASE_NAMESPACE)
          .resource(lease)
          .fieldManager("local-kubelet")
          .forceConflicts()
          .serverSideApply();
    }
  }

  private NodeStatus status(boolean ready) {
    String beat = now();
    Map<String, Quantity> capacity =
        Map.of(
            "cpu", new Quantity(Integer.toString(Runtime.getRuntime().availableProcessors())),
            "memory", new Quantity("16Gi"),
            "pods", new Quantity("110"));
    return new NodeStatusBuilder()
        .withConditions(
            condition(
                "Ready", ready ? "True" : "False", ready ? "KubeletReady" : "KubeletStopped", beat),
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", beat),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", beat),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", beat))
        .addNewAddress(LocalKubelet.ADDRESS, "InternalIP")
        .addNewAddress(name, "Hostname")
        .withNewDaemonEndpoints()
        .withNewKubeletEndpoint(port)
        .endDaemonEndpoints()
        .withCapacity(capacity)
        .withAllocatable(capacity)
        .withNewNodeInfo()
        .withArchitecture(System.getProperty("os.arch"))
        .withOperatingSystem("linux")
        .withOsImage(System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .withKernelVersion(System.getProperty("os.version"))
        .withKubeletVersion(VERSION)
        .withContainerRuntimeVersion("local-process://" + System.getProperty("java.version"))
        .withMachineID(name)
        .withSystemUUID(name)
        .withBootID(since)
        .endNodeInfo()
        .build();
  }

  private NodeCondition condition(String type, String status, String reason, String beat) {
    return new NodeConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withLastHeartbeatTime(beat)
        .withLastTransitionTime(since)
        .build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
