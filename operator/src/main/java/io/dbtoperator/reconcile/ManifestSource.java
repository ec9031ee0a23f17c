package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.run.DbtProfile;
import io.dbtoperator.run.DbtProgress;
import io.dbtoperator.run.DbtProjectFile;
import io.dbtoperator.run.PartialParse;
import io.dbtoperator.run.ProjectRunner;
import io.dbtoperator.run.Workspace;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The manifest of a commit, which planning needs: from a workspace already prepared, from the
 * artifact store, parsed by a local dbt when the operator has one, or else by a parse pod ({@code
 * dbt deps}, {@code dbt parse}, then {@code dbt-operator upload-manifest} into the artifact store).
 * A parse pod is observed, never waited on.
 */
final class ManifestSource {
  private final KubernetesClient client;
  private final DbtProject project;
  private final ProjectBackends backends;
  private final ProjectRunner runner;
  private final OperatorSettings settings;

  ManifestSource(
      KubernetesClient client,
      DbtProject project,
      ProjectBackends backends,
      ProjectRunner runner,
      OperatorSettings settings) {
    this.client = client;
    this.project = project;
    this.backends = backends;
    this.runner = runner;
    this.settings = settings;
  }

  /**
   * @return true when the commit's workspace is ready; false while its parse pod runs
   * @throws SpecProblem when dbt parse failed, with dbt's own message
   */
  boolean ensure(String commit) {
    if (Workspace.isPrepared(runner.workspaceRoot(commit))) {
      return true;
    }
    Optional<InputStream> stored =
        backends.artifacts().openManifest(backends.artifactKey(project), commit);
    if (stored.isPresent()) {
      try (InputStream in = stored.get()) {
        runner.adoptWorkspace(commit, in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the stored manifest of " + commit, e);
      }
      return true;
    }
    if (runner.reuseLiveManifest(commit)) {
      return true;
    }
    if (settings.dbt() != null) {
      runner.workspace(commit);
      return true;
    }
    return parsedInPod(commit);
  }

  static String podName(DbtProject project, String commit) {
    return Labels.name(project.getMetadata().getName(), "parse", commit.substring(0, 12));
  }

  private boolean parsedInPod(String commit) {
    String name = podName(project, commit);
    String namespace = project.getMetadata().getNamespace();
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod == null) {
      RunPods.Spec spec = spec(name, commit);
      client.pods().resource(RunPods.pod(project, spec)).create();
      return false;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase)) {
      Optional<InputStream> stored =
          backends.artifacts().openManifest(backends.artifactKey(project), commit);
      if (stored.isEmpty()) {
        throw new SpecProblem(
            "ParseFailed",
            "spec.artifacts: parse pod "
                + name
                + " succeeded, but its manifest is not in the artifact store; a local artifact store is shared with pods only on one machine");
      }
      try (InputStream in = stored.get()) {
        runner.adoptWorkspace(commit, in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the stored manifest of " + commit, e);
      }
      return true;
    }
    if ("Failed".equals(phase)) {
      throw new SpecProblem(
          "ParseFailed",
          "spec.git.commit: dbt could not parse " + commit.substring(0, 8) + ": " + failure(pod));
    }
    return false;
  }

  /** dbt's own error, or the last lines of the failing container's log. */
  private String failure(Pod pod) {
    for (ContainerStatus status : PodLogs.statuses(pod)) {
      var terminated = status.getState() == null ? null : status.getState().getTerminated();
      if (terminated == null || terminated.getExitCode() == 0) {
        continue;
      }
      DbtProgress progress = new DbtProgress();
      List<String> lines = PodLogs.lines(client, pod, status.getName());
      lines.forEach(progress::accept);
      if (!progress.errors().isEmpty()) {
        return String.join("; ", progress.errors());
      }
      return status.getName()
          + " exited "
          + terminated.getExitCode()
          + ": "
          + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
    return Optional.ofNullable(pod.getStatus().getReason()).orElse("the pod failed");
  }

  private RunPods.Spec spec(String name, String commit) {
    DbtProjectSpec.Git git = project.getSpec().git();
    byte[] projectYml =
        backends
            .repository()
            .read(commit, RunPods.projectDir(git), "dbt_project.yml")
            .orElseThrow(
                () ->
                    new SpecProblem(
                        "InvalidProject",
                        "spec.git.projectDir: no dbt_project.yml at "
                            + commit.substring(0, 8)
                            + " in \""
                            + RunPods.projectDir(git)
                            + "\""));
    DbtProfile profile = backends.target().profile(DbtProjectFile.profileName(projectYml), 1, null);
    // The image's tag pins the dbt version the operator cannot ask a pod for.
    String parseKey = PartialParse.key(RunPods.dbtImage(project), profile.toYaml(), projectYml);
    boolean packages =
        backends.repository().read(commit, RunPods.projectDir(git), "packages.yml").isPresent()
            || backends
                .repository()
                .read(commit, RunPods.projectDir(git), "dependencies.yml")
                .isPresent();
    return new RunPods.Spec(
        name,
        "parse",
        "parse-" + commit.substring(0, 12),
        commit,
        profile.toYaml(),
        DbtProfile.TARGET,
        List.of(List.of("parse")),
        backends.secretEnv(),
        Map.of(),
        packages,
        settings.operatorImage(),
        settings.activeDeadline().toSeconds(),
        upload(commit, parseKey),
        null,
        restore(project, parseKey));
  }

  /** The parse pod's container that lays the stored state of {@code parseKey} out for dbt. */
  static RunPods.Upload restore(DbtProject project, String parseKey) {
    return PodArtifacts.upload(
        project,
        "restore-partial-parse",
        List.of("--key", parseKey, "--dest", RunPods.RUN_DIR + "/target"));
  }

  private RunPods.Upload upload(String commit, String parseKey) {
    String target = RunPods.RUN_DIR + "/target";
    return PodArtifacts.upload(
        project,
        "upload-manifest",
        List.of(
            "--commit",
            commit,
            "--file",
            target + "/manifest.json",
            "--partial-parse-key",
            parseKey,
            "--partial-parse",
            target + "/" + PartialParse.FILE));
  }
}
