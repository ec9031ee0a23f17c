package io.dbtoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local kubelet against a real control plane: pods run as local processes. */
class LocalKubeletIT {

  private static final String NODE = "local-kubelet-it";
  private static final long TIMEOUT_SECONDS = 60;

  private static KubeControlPlane plane;
  private static KubernetesClient client;
  private static String namespace;
  private static LocalKubelet kubelet;

  @BeforeAll
  static void startKubelet() throws IOException {
    plane = KubeControlPlane.get();
    client = plane.client();
    namespace = plane.createNamespace("kubelet-it");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ImageMap images =
        ImageMap.builder()
            .entrypoint("local/sh", List.of("/bin/sh", "-c"))
            .entrypoint("local/echo", List.of("echo"))
            .entrypoint("local/java", List.of(java, "-cp", classpath))
            .replacingCommand("local/replaced*", List.of("echo", "replaced"))
            .build();
    kubelet =
        LocalKubelet.builder(client)
            .nodeName(NODE)
            .namespaces(List.of(namespace))
            .images(images)
            .start();
  }

  @AfterAll
  static void stopKubelet() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  @Test
  void registersAReadyNodeThatPointsAtItsEndpoint() {
    Node node = client.nodes().withName(NODE).get();
    assertThat(node.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
    assertThat(node.getStatus().getAddresses())
        .anySatisfy(
            a -> assertThat(a.getType() + "=" + a.getAddress()).isEqualTo("InternalIP=127.0.0.1"));
    assertThat(node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort())
        .isEqualTo(kubelet.port());
  }

  @Test
  void runsInitAndContainersWithEnvVolumesAndTranslatedPaths() throws Exception {
    create(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {password: s3cret}
        """);
    create(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {greeting: hello, extra: more}
        """);
    create(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: files}
        data: {file.txt: "from-config-file\\n", unused.txt: x}
        """);
    create(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: full}
        spec:
          restartPolicy: Never
          volumes:
          - {name: shared, emptyDir: {}}
          - name: config
            configMap:
              name: files
              items: [{key: file.txt, path: sub/file.txt, mode: 384}]  # 0600
          initContainers:
          - name: prepare
            image: local/sh
            args: ['echo prepared > "$SHARED/state"']
            env: [{name: SHARED, value: /shared}]
            volumeMounts: [{name: shared, mountPath: /shared}]
          containers:
          - name: a
            image: local/sh
            workingDir: /shared
            args:
            - >-
              cat state; cat "$CONFIG/sub/file.txt"; cat "$FILE"; stat -c %a "$CONFIG/sub/file.txt";
              ls "$CONFIG"; [ "$PASSWORD" = s3cret ] && echo password-ok;
              echo pod=$POD_NAME ns=$POD_NS cfg=$CFG_extra
            env:
            - {name: CONFIG, value: /config}
            - {name: FILE, value: /etc/app/file.txt}
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
            envFrom: [{prefix: CFG_, configMapRef: {name: settings}}]
            volumeMounts:
            - {name: shared, mountPath: /shared}
            - {name: config, mountPath: /config}
            - {name: config, mountPath: /etc/app/file.txt, subPath: sub/file.txt}
          - name: b
            image: local/echo
            args: [b says, $(GREETING)]
            env: [{name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: greeting}}}]
          - name: c
            image: local/replaced:1
            command: [/app/in-image-only]
            args: [c]
        """);
    Pod pod = finish("full");

    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    ContainerStateTerminated init =
        pod.getStatus().getInitContainerStatuses().get(0).getState().getTerminated();
    assertThat(init.getExitCode()).isZero();
    assertThat(init.getReason()).isEqualTo("Completed");
    assertThat(pod.getStatus().getContainerStatuses())
        .hasSize(3)
        .allSatisfy(
            s -> {
              ContainerStateTerminated t = s.getState().getTerminated();
              assertThat(t.getExitCode()).as(s.getName()).isZero();
              assertThat(t.getStartedAt()).isNotNull();
              assertThat(t.getFinishedAt()).isNotNull();
            });
    String lastLine = "pod=full ns=" + namespace + " cfg=more\n";
    assertThat(log("full", "a"))
        .isEqualTo(
            "prepared\nfrom-config-file\nfrom-config-file\n600\nsub\npassword-ok\n" + lastLine);
    assertThat(log("full", "b")).isEqualTo("b says hello\n");
    assertThat(log("full", "c")).isEqualTo("replaced c\n");
    assertThat(kubectl("logs", "full", "-c", "b")).isEqualTo("b says hello\n");
    assertThat(kubectl("logs", "full", "-c", "b", "--limit-bytes=6")).isEqualTo("b says");
    assertThat(kubectl("logs", "full", "-c", "a", "--tail=1")).isEqualTo(lastLine);
  }

  @Test
  void aFailingContainerFailsThePodWithItsExitCode() {
    create(shellPod("fails", "echo failing; exit 3", ""));
    Pod pod = finish("fails");

    assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
    ContainerStateTerminated state = terminated(pod);
    assertThat(state.getExitCode()).isEqualTo(3);
    assertThat(state.getReason()).isEqualTo("Error");
    assertThat(log("fails", "main")).isEqualTo("failing\n");
  }

  @Test
  void aNativeSidecarOutlivesTheContainersAndItsExitCodeDoesNotCount() {
    String sidecarPod =
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          restartPolicy: Never
          volumes: [{name: shared, emptyDir: {}}]
          initContainers:
          - name: side
            image: local/sh
            restartPolicy: Always
            args: ['trap "cat $SHARED/out; exit 7" TERM; echo ready; while true; do sleep 0.1; done']
            env: [{name: SHARED, value: /shared}]
            volumeMounts: [{name: shared, mountPath: /shared}]
          containers:
          - name: main
            image: local/sh
            args: ['echo %s > $SHARED/out; exit %d']
            env: [{name: SHARED, value: /shared}]
            volumeMounts: [{name: shared, mountPath: /shared}]
        """;
    create(sidecarPod.formatted("sidecar-failed", "main-failed", 3));
    create(sidecarPod.formatted("sidecar-succeeded", "main-succeeded", 0));

    Pod failed = finish("sidecar-failed");
    Pod succeeded = finish("sidecar-succeeded");

    assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(terminated(failed).getExitCode()).isEqualTo(3);
    assertThat(succeeded.getStatus().getPhase())
        .as("the sidecar's exit code 7 does not count")
        .isEqualTo("Succeeded");
    for (Pod pod : List.of(failed, succeeded)) {
      var side = pod.getStatus().getInitContainerStatuses().get(0);
      assertThat(side.getState().getTerminated())
          .as("terminal only once the sidecar stopped")
          .isNotNull();
      assertThat(side.getState().getTerminated().getExitCode()).isEqualTo(7);
    }
    // SIGTERM goes to the sidecar's process group: the shell may report its sleep as Terminated
    assertThat(log("sidecar-failed", "side"))
        .as("the sidecar got SIGTERM after main ended, and read what it wrote")
        .startsWith("ready\n")
        .endsWith("main-failed\n");
    assertThat(log("sidecar-succeeded", "side")).startsWith("ready\n").endsWith("main-succeeded\n");
  }

  @Test
  void activeDeadlineSecondsKillsThePod() {
    long start = System.nanoTime();
    create(shellPod("deadline", "sleep 60", "activeDeadlineSeconds: 2"));
    Pod pod = finish("deadline");

    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
    assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(pod.getStatus().getReason()).isEqualTo("DeadlineExceeded");
    assertThat(terminated(pod).getExitCode()).as("killed by SIGTERM").isEqualTo(128 + 15);
  }

  @Test
  void deletingARunningPodKillsItsProcesses() {
    create(shellPod("deleted", "sleep 300 & echo child=$!; wait", ""));
    Pattern child = Pattern.compile("child=(\\d+)");
    Matcher found =
        await()
            .atMost(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .until(() -> child.matcher(logOnceRunning("deleted")), Matcher::find);
    long pid = Long.parseLong(found.group(1));
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isPresent();
    Pod running = client.pods().inNamespace(namespace).withName("deleted").get();
    assertThat(running.getStatus().getPhase()).isEqualTo("Running");
    assertThat(running.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));

    client.pods().inNamespace(namespace).withName("deleted").delete();

    client
        .pods()
        .inNamespace(namespace)
        .withName("deleted")
        .waitUntilCondition(p -> p == null, TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void followStreamsTheLogUntilTheContainerEnds() throws Exception {
    create(shellPod("follow", "echo first; sleep 2; echo second", ""));
    await()
        .atMost(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .until(() -> logOnceRunning("follow"), log -> log.startsWith("first"));

    assertThat(kubectl("logs", "--follow", "follow")).isEqualTo("first\nsecond\n");
  }

  @Test
  void onFailureRestartsAFailedContainer() {
    create(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: retried}
        spec:
          restartPolicy: OnFailure
          volumes: [{name: marks, emptyDir: {}}]
          containers:
          - name: main
            image: local/sh
            args: ['if [ -f "$MARKS/tried" ]; then echo again; else touch "$MARKS/tried"; echo once; exit 1; fi']
            env: [{name: MARKS, value: /marks}]
            volumeMounts: [{name: marks, mountPath: /marks}]
        """);
    Pod pod = finish("retried");

    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount()).isEqualTo(1);
    assertThat(
            pod.getStatus()
                .getContainerStatuses()
                .get(0)
                .getLastState()
                .getTerminated()
                .getExitCode())
        .isEqualTo(1);
    assertThat(log("retried", "main")).isEqualTo("once\nagain\n");
  }

  @Test
  void aPodWaitsForASecretCreatedAfterIt() {
    create(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: late}
        spec:
          restartPolicy: Never
          volumes: [{name: token, secret: {secretName: late}}]
          containers:
          - name: main
            image: local/sh
            args: ['cat "$TOKEN_DIR/value"; echo " and $VALUE"']
            env:
            - {name: TOKEN_DIR, value: /token}
            - {name: VALUE, valueFrom: {secretKeyRef: {name: late, key: value}}}
            volumeMounts: [{name: token, mountPath: /token}]
        """);
    await()
        .atMost(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .until(
            () -> client.pods().inNamespace(namespace).withName("late").get(),
            p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null);
    create(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: late}
        stringData: {value: arrived}
        """);
    Pod pod = finish("late");

    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(log("late", "main")).isEqualTo("arrived and arrived\n");
  }

  @Test
  void closingAKubeletKillsItsPods() throws IOException {
    String other = plane.createNamespace("kubelet-it-close");
    LocalKubelet second =
        LocalKubelet.builder(client)
            .nodeName(NODE + "-close")
            .namespaces(List.of(other))
            .images(ImageMap.parse(List.of("local/sh=/bin/sh -c")))
            .start();
    try {
      client
          // $$ is Kubernetes' escape for $
          .resource(shellPod("sleeper", "echo pid=$$$$; exec sleep 300", ""))
          .inNamespace(other)
          .create();
      Pattern pidLine = Pattern.compile("pid=(\\d+)");
      Matcher found =
          await()
              .atMost(TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .until(() -> pidLine.matcher(logOnceRunning(other, "sleeper")), Matcher::find);
      long pid = Long.parseLong(found.group(1));

      second.close();

      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
      Pod pod = client.pods().inNamespace(other).withName("sleeper").get();
      assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
      assertThat(pod.getStatus().getReason()).isEqualTo("KubeletStopped");
      Node node = client.nodes().withName(NODE + "-close").get();
      assertThat(node.getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=False"));
    } finally {
      second.close();
    }
  }

  @Test
  void aDeploymentsPodIsRestartedAndGoesWithTheDeployment() {
    create(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: main, image: local/sh, args: [echo up; sleep 1]}]
        """);
    Pod restarted =
        await()
            .atMost(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .until(
                () ->
                    client
                        .pods()
                        .inNamespace(namespace)
                        .withLabel("app", "web")
                        .list()
                        .getItems()
                        .stream()
                        .findFirst()
                        .orElse(null),
                p ->
                    p != null
                        && p.getStatus().getContainerStatuses() != null
                        && p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1);
    assertThat(restarted.getStatus().getPhase()).isEqualTo("Running");

    client.apps().deployments().inNamespace(namespace).withName("web").delete();

    await()
        .atMost(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .until(
            () -> client.pods().inNamespace(namespace).withLabel("app", "web").list().getItems(),
            List::isEmpty);
  }

  @Test
  void aJobRunsToCompletion() {
    create(
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: job}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: local/sh, args: [echo job done]}]
        """);

    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .withName("job")
            .waitUntilCondition(
                j -> j.getStatus() != null && j.getStatus().getSucceeded() != null,
                TIMEOUT_SECONDS,
                TimeUnit.SECONDS);
    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
  }

  @Test
  void anInClusterClientActsAsThePodsServiceAccount() {
    create(
        """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: reader}
        """);
    create(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: read-one}
        rules:
        - {apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [probe-config]}
        """);
    create(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: reader}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-one}
        subjects: [{kind: ServiceAccount, name: reader, namespace: %s}]
        """
            .formatted(namespace));
    for (String name : List.of("probe-config", "probe-other")) {
      create(
          """
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: %s}
          data: {message: hi from %s}
          """
              .formatted(name, name));
    }
    create(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: probe}
        spec:
          restartPolicy: Never
          serviceAccountName: reader
          containers:
          - {name: main, image: local/java, args: [%s, probe-config, probe-other]}
        """
            .formatted(InClusterProbe.class.getName()));
    Pod pod = finish("probe");

    assertThat(log("probe", "main"))
        .contains("namespace=" + namespace + "\n", "message=hi from probe-config\n")
        .as("forbidden: the client is the ServiceAccount, not an admin")
        .contains("other=403\n");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
  }

  private static String shellPod(String name, String script, String extraSpec) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: local/sh, args: ['%s']}]
          %s
        """
        .formatted(name, script, extraSpec);
  }

  private static HasMetadata create(String yaml) {
    return client.resource(yaml).inNamespace(namespace).create();
  }

  private static Pod finish(String name) {
    return client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(
            p ->
                p != null
                    && p.getStatus() != null
                    && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()),
            TIMEOUT_SECONDS,
            TimeUnit.SECONDS);
  }

  private static ContainerStateTerminated terminated(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
  }

  private static String log(String pod, String container) {
    return client.pods().inNamespace(namespace).withName(pod).inContainer(container).getLog();
  }

  /** The log of container main, or nothing while it has not started. */
  private static String logOnceRunning(String pod) {
    return logOnceRunning(namespace, pod);
  }

  private static String logOnceRunning(String podNamespace, String pod) {
    Pod current = client.pods().inNamespace(podNamespace).withName(pod).get();
    boolean running =
        current != null
            && current.getStatus() != null
            && current.getStatus().getContainerStatuses() != null
            && current.getStatus().getContainerStatuses().stream()
                .anyMatch(s -> s.getState().getRunning() != null);
    return running
        ? client.pods().inNamespace(podNamespace).withName(pod).inContainer("main").getLog()
        : "";
  }

  private static String kubectl(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                plane.kubectl().toString(),
                "--kubeconfig",
                plane.kubeconfig().toString(),
                "-n",
                namespace));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try (InputStream in = process.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(process.waitFor()).as("kubectl %s: %s", String.join(" ", args), out).isZero();
    return out;
  }
}
