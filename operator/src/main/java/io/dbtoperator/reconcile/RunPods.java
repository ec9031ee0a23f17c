package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.git.GitCredentials;
import io.dbtoperator.run.Workspace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFileBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod of one schema run. It checks out the exact commit (init container running the operator
 * image as {@code dbt-operator checkout}), lays the staging redirect over it, then runs dbt's
 * commands, each a container of the dbt image that takes arguments only. Secrets reach dbt only as
 * environment variables from Secret keys; the pod's annotations hold the profile (which names those
 * variables) and the redirect files, no secret.
 */
public final class RunPods {
  static final String WORKSPACE = "/workspace";
  static final String CHECKOUT = WORKSPACE + "/repo";
  static final String RUN_DIR = WORKSPACE + "/run";
  static final String CONFIG = "/etc/dbt-operator/run";
  static final String GIT_CREDENTIALS = "/etc/dbt-operator/git";
  static final String OVERLAY = "overlay";
  static final String CONFIG_ANNOTATION_PREFIX = "run.dbtoperator.io/";
  static final String ARTIFACTS = "artifacts";

  /**
   * The options of the JVM in the operator image's containers of pods (checkout, restore, upload,
   * artifacts, the clock's trigger): each runs one command of seconds, where the C2 compiler costs
   * more CPU than it saves (docs/benchmarks.md, "Cold plan profile"), so they run with C1 only. The
   * operator's Deployment keeps both compilers. The JVM names the variable on stderr; {@link
   * PodLogs} leaves that line out of the logs the operator reads.
   */
  static final String SHORT_COMMAND_JVM_OPTIONS = "-XX:TieredStopAtLevel=1";

  /** The user of every container: the restricted Pod Security level forbids root. */
  static final long RUN_AS_USER = 1000L;

  /**
   * What a run pod needs beyond the project's spec.
   *
   * @param commands the dbt commands (arguments without paths), run in order
   * @param secretEnv environment variable name to the Secret key holding its value
   * @param overlay files laid over the checkout, by path relative to the project directory
   * @param upload a last container that runs only after dbt succeeded (parse pods), or null
   * @param artifacts the artifacts sidecar that stores the run's files however dbt ends, or null
   * @param restore a container that lays the previous parse's state into dbt's target directory
   *     before dbt runs, which then parses partially (parse pods); null: dbt parses in full
   */
  public record Spec(
      String podName,
      String schema,
      String runId,
      String commit,
      String profileYaml,
      String target,
      List<List<String>> commands,
      Map<String, SecretKey> secretEnv,
      Map<String, String> overlay,
      boolean deps,
      String operatorImage,
      long activeDeadlineSeconds,
      Upload upload,
      Upload artifacts,
      Upload restore) {}

  /**
   * A last container, of the operator image, that runs after every dbt container succeeded, e.g.
   * {@code dbt-operator upload-manifest}.
   *
   * @param env environment variable name to the Secret key holding its value
   */
  public record Upload(List<String> args, Map<String, SecretKey> env) {}

  /** A key of a Secret in the project's namespace. */
  public record SecretKey(String secret, String key) {}

  private RunPods() {}

  /**
   * The files of the pod's config volume, by path in it, as annotations of the pod: a downwardAPI
   * volume lays them out. One object per run instead of a pod and a ConfigMap: the launch of a run
   * is one write fewer (docs/benchmarks.md), and nothing is left to collect after the pod.
   */
  static Map<String, String> configAnnotations(Spec spec) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(CONFIG_ANNOTATION_PREFIX + "profiles.yml", spec.profileYaml());
    int index = 0;
    for (String content : spec.overlay().values()) {
      annotations.put(CONFIG_ANNOTATION_PREFIX + OVERLAY + "-" + index++, content);
    }
    return annotations;
  }

  public static Pod pod(DbtProject project, Spec spec) {
    DbtProjectSpec.Git git = project.getSpec().git();
    String projectDir = projectDir(git);
    List<Container> init = new ArrayList<>();
    init.add(checkout(project, spec, projectDir));
    if (spec.artifacts() != null) {
      init.add(artifactsSidecar(spec));
    }
    if (spec.restore() != null) {
      init.add(operatorContainer("restore", spec, spec.restore()));
    }
    List<List<String>> dbtCommands = new ArrayList<>();
    if (spec.deps()) {
      dbtCommands.add(List.of("deps"));
    }
    dbtCommands.addAll(spec.commands());
    List<Container> dbt = new ArrayList<>();
    for (int i = 0; i < dbtCommands.size(); i++) {
      List<String> command = dbtCommands.get(i);
      String name = i == dbtCommands.size() - 1 ? "dbt" : "dbt-" + (i + 1) + "-" + command.get(0);
      dbt.add(dbtContainer(project, spec, name, command, projectDir));
    }
    Container main;
    if (spec.upload() == null) {
      init.addAll(dbt.subList(0, dbt.size() - 1));
      main = dbt.get(dbt.size() - 1);
    } else {
      init.addAll(dbt);
      main = operatorContainer("upload", spec, spec.upload());
    }
    List<Volume> volumes = new ArrayList<>();
    volumes.add(new VolumeBuilder().withName("workspace").withNewEmptyDir().endEmptyDir().build());
    volumes.add(configVolume(spec));
    if (git.secretRef() != null) {
      volumes.add(
          new VolumeBuilder()
              .withName("git")
              .withNewSecret()
              .withSecretName(git.secretRef().name())
              .withDefaultMode(0400)
              .endSecret()
              .build());
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName(spec.podName())
        .withNamespace(project.getMetadata().getNamespace())
        .withLabels(labels(project, spec))
        .withAnnotations(configAnnotations(spec))
        .withOwnerReferences(owner(project))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withActiveDeadlineSeconds(spec.activeDeadlineSeconds())
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS_USER)
        .withRunAsGroup(RUN_AS_USER)
        .withFsGroup(RUN_AS_USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withInitContainers(init)
        .withContainers(main)
        .withVolumes(volumes)
        .endSpec()
        .build();
  }

  /** The names of the containers that run dbt, in the order they run. */
  public static List<String> dbtContainers(Pod pod) {
    List<String> names = new ArrayList<>();
    pod.getSpec().getInitContainers().stream()
        .map(Container::getName)
        .filter(n -> n.startsWith("dbt"))
        .forEach(names::add);
    pod.getSpec().getContainers().stream()
        .map(Container::getName)
        .filter(n -> n.startsWith("dbt"))
        .forEach(names::add);
    return names;
  }

  private static Container operatorContainer(String name, Spec spec, Upload command) {
    return new ContainerBuilder()
        .withName(name)
        .withImage(spec.operatorImage())
        .withArgs(command.args())
        .withEnv(shortCommandEnv(secretEnv(command.env())))
        .withVolumeMounts(workspaceMounts())
        .withSecurityContext(restricted())
        .build();
  }

  /**
   * A native sidecar (an init container with restartPolicy Always, Kubernetes 1.29 and later): it
   * runs beside the dbt containers and gets SIGTERM once they are over, whether they succeeded or
   * not, and then stores the run's files. Its exit code does not count towards the pod's phase, so
   * the build result stays dbt's; the pod is terminal only after it stopped. It is the only
   * container with the artifact store's credentials, as Secret references.
   */
  private static Container artifactsSidecar(Spec spec) {
    return new ContainerBuilder()
        .withName(ARTIFACTS)
        .withImage(spec.operatorImage())
        .withRestartPolicy("Always")
        .withArgs(spec.artifacts().args())
        .withEnv(shortCommandEnv(secretEnv(spec.artifacts().env())))
        .withVolumeMounts(mount("workspace", WORKSPACE, true))
        .withSecurityContext(restricted())
        .build();
  }

  private static Container checkout(DbtProject project, Spec spec, String projectDir) {
    DbtProjectSpec.Git git = project.getSpec().git();
    List<String> args =
        new ArrayList<>(
            List.of(
                "checkout",
                "--url",
                git.url(),
                "--commit",
                spec.commit(),
                "--dest",
                CHECKOUT,
                "--project-dir",
                projectDir,
                "--overlay",
                CONFIG + "/" + OVERLAY));
    List<VolumeMount> mounts = new ArrayList<>(workspaceMounts());
    if (git.secretRef() != null) {
      args.addAll(List.of("--credentials", GIT_CREDENTIALS));
      if (GitCredentials.isSsh(git.url())) {
        // Names of files in the mounted Secret, never their contents.
        args.addAll(
            List.of(
                "--ssh-private-key-key",
                GitAuth.privateKeyKey(git.secretRef()),
                "--known-hosts-key",
                GitAuth.knownHostsKey(git.secretRef())));
      } else if (git.secretRef().tokenKey() != null) {
        args.addAll(List.of("--token-key", git.secretRef().tokenKey()));
      }
      mounts.add(mount("git", GIT_CREDENTIALS));
    }
    return new ContainerBuilder()
        .withName("checkout")
        .withImage(spec.operatorImage())
        .withArgs(args)
        .withEnv(shortCommandEnv(List.of()))
        .withVolumeMounts(mounts)
        .withSecurityContext(restricted())
        .build();
  }

  private static Container dbtContainer(
      DbtProject project, Spec spec, String name, List<String> command, String projectDir) {
    List<String> args =
        Workspace.dbtArguments(
            command,
            CHECKOUT + (".".equals(projectDir) ? "" : "/" + projectDir),
            CONFIG,
            spec.target(),
            RUN_DIR,
            spec.restore() != null);
    List<EnvVar> env = new ArrayList<>();
    env.add(
        new EnvVarBuilder().withName("DBT_SEND_ANONYMOUS_USAGE_STATS").withValue("false").build());
    env.addAll(secretEnv(spec.secretEnv()));
    DbtProjectSpec.Dbt dbt = project.getSpec().dbt();
    List<EnvFromSource> envFrom = new ArrayList<>();
    if (dbt != null && dbt.env() != null) {
      for (DbtProjectSpec.SecretEnvVar variable : dbt.env()) {
        env.add(
            new EnvVarBuilder()
                .withName(variable.name())
                .withNewValueFrom()
                .withNewSecretKeyRef()
                .withName(variable.secretKeyRef().name())
                .withKey(variable.secretKeyRef().key())
                .endSecretKeyRef()
                .endValueFrom()
                .build());
      }
    }
    if (dbt != null && dbt.envFromSecrets() != null) {
      for (String secret : dbt.envFromSecrets()) {
        envFrom.add(
            new EnvFromSourceBuilder().withNewSecretRef().withName(secret).endSecretRef().build());
      }
    }
    ResourceRequirements resources = dbt == null ? null : dbt.resources();
    return new ContainerBuilder()
        .withName(name)
        .withImage(dbtImage(project))
        .withArgs(args)
        .withEnv(env)
        .withEnvFrom(envFrom)
        .withWorkingDir(WORKSPACE)
        .withVolumeMounts(workspaceMounts())
        .withResources(resources)
        .withSecurityContext(restricted())
        .build();
  }

  /** {@code env} after the JVM options of a short command. */
  static List<EnvVar> shortCommandEnv(List<EnvVar> env) {
    List<EnvVar> all = new ArrayList<>();
    all.add(
        new EnvVarBuilder()
            .withName("JAVA_TOOL_OPTIONS")
            .withValue(SHORT_COMMAND_JVM_OPTIONS)
            .build());
    all.addAll(env);
    return all;
  }

  private static List<EnvVar> secretEnv(Map<String, SecretKey> variables) {
    List<EnvVar> env = new ArrayList<>();
    variables.forEach(
        (variable, key) ->
            env.add(
                new EnvVarBuilder()
                    .withName(variable)
                    .withNewValueFrom()
                    .withNewSecretKeyRef()
                    .withName(key.secret())
                    .withKey(key.key())
                    .endSecretKeyRef()
                    .endValueFrom()
                    .build()));
    return env;
  }

  /** The image of dbt containers: the project's, or dbt Labs' image of the adapter. */
  static String dbtImage(DbtProject project) {
    DbtProjectSpec.Dbt dbt = project.getSpec().dbt();
    if (dbt != null && dbt.image() != null) {
      return dbt.image();
    }
    return "ghcr.io/dbt-labs/dbt-" + project.getSpec().warehouse().type().name() + ":1.10.15";
  }

  private static Volume configVolume(Spec spec) {
    List<DownwardAPIVolumeFile> items = new ArrayList<>();
    items.add(annotationFile("profiles.yml", "profiles.yml"));
    int index = 0;
    for (String path : spec.overlay().keySet()) {
      items.add(annotationFile(OVERLAY + "-" + index++, OVERLAY + "/" + path));
    }
    return new VolumeBuilder()
        .withName("config")
        .withNewDownwardAPI()
        .withItems(items)
        .endDownwardAPI()
        .build();
  }

  private static DownwardAPIVolumeFile annotationFile(String key, String path) {
    return new DownwardAPIVolumeFileBuilder()
        .withPath(path)
        .withNewFieldRef()
        .withFieldPath("metadata.annotations['" + CONFIG_ANNOTATION_PREFIX + key + "']")
        .endFieldRef()
        .build();
  }

  private static List<VolumeMount> workspaceMounts() {
    return List.of(mount("workspace", WORKSPACE), mount("config", CONFIG));
  }

  private static VolumeMount mount(String volume, String path) {
    return mount(volume, path, !volume.equals("workspace"));
  }

  private static VolumeMount mount(String volume, String path, boolean readOnly) {
    VolumeMount mount = new VolumeMount();
    mount.setName(volume);
    mount.setMountPath(path);
    mount.setReadOnly(readOnly);
    return mount;
  }

  private static SecurityContext restricted() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  static String projectDir(DbtProjectSpec.Git git) {
    return git.projectDir() == null || git.projectDir().isBlank() ? "." : git.projectDir();
  }

  static Map<String, String> labels(DbtProject project, Spec spec) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
    labels.put(Labels.PROJECT, project.getMetadata().getName());
    labels.put(Labels.SCHEMA, Labels.value(spec.schema()));
    labels.put(Labels.RUN, Labels.value(spec.runId()));
    return labels;
  }

  static OwnerReference owner(DbtProject project) {
    return new OwnerReferenceBuilder()
        .withApiVersion(project.getApiVersion())
        .withKind(project.getKind())
        .withName(project.getMetadata().getName())
        .withUid(project.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
