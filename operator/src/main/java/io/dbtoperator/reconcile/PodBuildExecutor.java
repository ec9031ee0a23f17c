package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.BuildExecutor;
import io.dbtoperator.run.BuildRequest;
import io.dbtoperator.run.BuildStatus;
import io.dbtoperator.run.DbtProgress;
import io.dbtoperator.run.StagingRedirect;
import io.dbtoperator.run.WarehouseTarget;
import io.dbtoperator.run.Workspace;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a schema's build in a pod: the first call creates the pod, later calls read its phase, and
 * the call that sees it over reads the dbt containers' exit codes and logs through the API, and the
 * run_results.json that the pod's artifacts sidecar stored (see docs/architecture.md). No call
 * waits on dbt.
 */
final class PodBuildExecutor implements BuildExecutor {
  private static final String RUN_RESULTS = "run_results.json";

  private final KubernetesClient client;
  private final DbtProject project;
  private final Workspace workspace;
  private final WarehouseTarget target;
  private final Map<String, RunPods.SecretKey> secretEnv;
  private final OperatorSettings settings;
  private final ArtifactStore artifacts;
  private final ArtifactStore.ProjectKey artifactKey;
  private final Function<ResourceID, Optional<Pod>> cachedPods;

  /**
   * @param cachedPods the operator's pods as its informer last saw them: reading them there costs
   *     the API server nothing at each pass, and a pod's change wakes the next pass anyway
   */
  PodBuildExecutor(
      KubernetesClient client,
      DbtProject project,
      Workspace workspace,
      WarehouseTarget target,
      Map<String, RunPods.SecretKey> secretEnv,
      OperatorSettings settings,
      ArtifactStore artifacts,
      ArtifactStore.ProjectKey artifactKey,
      Function<ResourceID, Optional<Pod>> cachedPods) {
    this.client = client;
    this.project = project;
    this.workspace = workspace;
    this.target = target;
    this.secretEnv = secretEnv;
    this.settings = settings;
    this.artifacts = artifacts;
    this.artifactKey = artifactKey;
    this.cachedPods = cachedPods;
  }

  /** The pod's artifacts sidecar stores them; see {@link RunPods}. */
  @Override
  public boolean storesRunFiles() {
    return true;
  }

  static String podName(DbtProject project, String schema, String runId) {
    return Labels.name(project.getMetadata().getName(), schema, runId);
  }

  @Override
  public BuildStatus advance(BuildRequest request, Consumer<String> output) {
    String name = podName(project, request.schema(), request.runId());
    String namespace = project.getMetadata().getNamespace();
    Pod pod = cachedPods.apply(new ResourceID(name, namespace)).orElse(null);
    if (pod == null) {
      return launch(request, name);
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Running".equals(phase)) {
      return new BuildStatus.Running("pod " + name + " Running" + progress(pod));
    }
    if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
      return new BuildStatus.Running("pod " + name + " " + (phase == null ? "Pending" : phase));
    }
    BuildStatus status = collect(pod, output);
    fetchRunResults(request);
    return status;
  }

  /**
   * Copies the run_results.json the sidecar stored to where a local build leaves it, so that the
   * run reads the final status of every node from it, as it does after a local build. A pod that
   * stored none (dbt never got to write it, or the sidecar could not reach the store) leaves the
   * run with what the logs say.
   */
  private void fetchRunResults(BuildRequest request) {
    Path results = workspace.targetPath(request.runDir()).resolve(RUN_RESULTS);
    Optional<InputStream> stored =
        artifacts.openRunFile(artifactKey, request.schema(), request.runId(), RUN_RESULTS);
    if (stored.isEmpty()) {
      return;
    }
    try (InputStream in = stored.get()) {
      Files.createDirectories(results.getParent());
      Files.copy(in, results, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the stored run_results.json to " + results, e);
    }
  }

  private BuildStatus launch(BuildRequest request, String name) {
    Map<String, String> overlay =
        StagingRedirect.overlay(
            workspace.projectDir(),
            workspace.layout(),
            workspace.manifest(),
            request.liveToStaging(),
            target.type().equals("snowflake"));
    RunPods.Spec spec =
        new RunPods.Spec(
            name,
            request.schema(),
            request.runId(),
            workspace.commit(),
            target
                .profile(workspace.profileName(), settings.threads(), request.queryTag())
                .toYaml(),
            io.dbtoperator.run.DbtProfile.TARGET,
            request.commands(),
            secretEnv,
            overlay,
            hasPackages(),
            settings.operatorImage(),
            settings.activeDeadline().toSeconds(),
            null,
            PodArtifacts.upload(
                project,
                "upload-run-artifacts",
                List.of(
                    "--schema",
                    request.schema(),
                    "--run",
                    request.runId(),
                    "--run-dir",
                    RunPods.RUN_DIR)),
            null);
    try {
      client.pods().resource(RunPods.pod(project, spec)).create();
    } catch (KubernetesClientException e) {
      // The pod was created by an earlier pass and is not in the informer's cache yet.
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
    // Worded as the next pass will see the new pod, so that it has no status change to write.
    return new BuildStatus.Running("pod " + name + " Pending");
  }

  private int threads() {
    var dbt = project.getSpec().dbt();
    return dbt != null && dbt.threads() != null ? dbt.threads() : settings.threads();
  }

  private boolean hasPackages() {
    return Files.exists(workspace.projectDir().resolve("packages.yml"))
        || Files.exists(workspace.projectDir().resolve("dependencies.yml"));
  }

  /**
   * How far the dbt container that is running has got, from its log so far: the operator reads it
   * at each pass (every few seconds while runs go), so status shows progress without a sidecar.
   */
  private String progress(Pod pod) {
    if (pod.getStatus().getContainerStatuses() == null) {
      return "";
    }
    for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
      if (!status.getName().startsWith("dbt")
          || status.getState() == null
          || status.getState().getRunning() == null) {
        continue;
      }
      DbtProgress progress = new DbtProgress();
      PodLogs.lines(client, pod, status.getName()).forEach(progress::accept);
      var counts = progress.counts();
      int done = counts.modelsSucceeded() + counts.modelsFailed() + counts.modelsSkipped();
      return ": "
          + done
          + " models and "
          + (counts.testsPassed() + counts.testsFailed())
          + " tests done"
          + progress.currentNode().map(node -> ", running " + node).orElse("");
    }
    return "";
  }

  /** Reads the logs of the containers that ran, in order, up to the first that failed. */
  private BuildStatus collect(Pod pod, Consumer<String> output) {
    List<ContainerStatus> statuses = PodLogs.statuses(pod);
    List<String> order = new ArrayList<>(List.of("checkout"));
    order.addAll(RunPods.dbtContainers(pod));
    String last = "build";
    for (String container : order) {
      Optional<ContainerStatus> status =
          statuses.stream().filter(s -> s.getName().equals(container)).findFirst();
      if (status.isEmpty()
          || status.get().getState() == null
          || status.get().getState().getTerminated() == null) {
        continue;
      }
      last = container.equals("checkout") ? "checkout" : command(container);
      PodLogs.lines(client, pod, container).forEach(output);
      int exit = status.get().getState().getTerminated().getExitCode();
      if (exit != 0) {
        return new BuildStatus.Finished(exit, last);
      }
    }
    if ("Failed".equals(pod.getStatus().getPhase())) {
      output.accept(
          "pod "
              + pod.getMetadata().getName()
              + " failed: "
              + Optional.ofNullable(pod.getStatus().getReason()).orElse("no reason given")
              + Optional.ofNullable(pod.getStatus().getMessage())
                  .map(m -> " (" + m + ")")
                  .orElse(""));
      return new BuildStatus.Finished(1, last);
    }
    return new BuildStatus.Finished(0, last);
  }

  private static String command(String container) {
    return container.equals("dbt") ? "build" : container.replaceFirst("^dbt-\\d+-", "");
  }
}
