package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a container's process runs with: its command line, environment and working directory, with
 * the paths under its volume mounts rewritten to local directories (see {@link PodVolumes.Mounts}).
 */
record ContainerLaunch(List<String> argv, Map<String, String> env, Path workDir) {

  /** Host variables a process needs to run at all; everything else comes from the pod. */
  private static final List<String> HOST_VARIABLES = List.of("PATH", "LANG", "LC_ALL", "TZ");

  /**
   * @throws IllegalStateException for an env source that cannot be read, naming it
   */
  static ContainerLaunch of(
      KubernetesClient client,
      Pod pod,
      Container container,
      PodVolumes.Mounts mounts,
      ImageMap images,
      Path containerDir)
      throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : HOST_VARIABLES) {
      String value = System.getenv(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.put("HOSTNAME", pod.getMetadata().getName());
    env.put("HOME", Files.createDirectories(containerDir.resolve("home")).toString());
    inCluster(client, mounts, env);
    String namespace = pod.getMetadata().getNamespace();
    for (EnvFromSource from : list(container.getEnvFrom())) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      sourceData(client, namespace, from)
          .forEach((k, v) -> env.put(prefix + k, mounts.translate(v)));
    }
    for (EnvVar var : list(container.getEnv())) {
      String value =
          var.getValueFrom() == null
              ? VariableExpansion.expand(var.getValue() == null ? "" : var.getValue(), env)
              : valueFrom(client, pod, var.getName(), var.getValueFrom());
      env.put(var.getName(), mounts.translate(value));
    }
    List<String> command = expandAll(container.getCommand(), env, mounts);
    List<String> args = expandAll(container.getArgs(), env, mounts);
    List<String> argv = images.commandLine(container.getImage(), command, args);
    return new ContainerLaunch(argv, env, workDir(container, mounts, containerDir));
  }

  /**
   * What an in-cluster client needs: the API server as {@code KUBERNETES_SERVICE_HOST/PORT}, and,
   * because fabric8 reads the ServiceAccount files from fixed paths that a local process does not
   * have, its overrides pointing at the local copy of the projected ServiceAccount volume.
   */
  private static void inCluster(
      KubernetesClient client, PodVolumes.Mounts mounts, Map<String, String> env) {
    var master = client.getMasterUrl();
    int port = master.getPort() == -1 ? master.getDefaultPort() : master.getPort();
    env.put("KUBERNETES_SERVICE_HOST", master.getHost());
    env.put("KUBERNETES_SERVICE_PORT", Integer.toString(port));
    env.put("KUBERNETES_SERVICE_PORT_HTTPS", Integer.toString(port));
    mounts
        .at(PodVolumes.SERVICE_ACCOUNT_MOUNT)
        .ifPresent(
            dir -> {
              // Config.KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN_FILE_SYSTEM_PROPERTY and friends, as
              // fabric8 spells them in the environment
              env.put("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", dir.resolve("token").toString());
              env.put("KUBERNETES_CERTS_CA_FILE", dir.resolve("ca.crt").toString());
              env.put("KUBENAMESPACE", dir.resolve("namespace").toString());
              // a kubeconfig in the user's home would win over the ServiceAccount otherwise
              env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            });
  }

  private static String valueFrom(
      KubernetesClient client, Pod pod, String name, EnvVarSource source) {
    String namespace = pod.getMetadata().getNamespace();
    if (source.getFieldRef() != null) {
      return FieldRefs.value(pod, source.getFieldRef().getFieldPath());
    }
    if (source.getSecretKeyRef() != null) {
      var ref = source.getSecretKeyRef();
      Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
      Map<String, String> data = secret == null ? null : secretData(secret);
      return key(data, ref.getKey(), ref.getOptional(), "secret " + ref.getName(), name);
    }
    if (source.getConfigMapKeyRef() != null) {
      var ref = source.getConfigMapKeyRef();
      ConfigMap map = client.configMaps().inNamespace(namespace).withName(ref.getName()).get();
      Map<String, String> data = map == null ? null : nonNull(map.getData());
      return key(data, ref.getKey(), ref.getOptional(), "configMap " + ref.getName(), name);
    }
    throw new IllegalStateException(
        "env " + name + ": only fieldRef, secretKeyRef and configMapKeyRef are supported");
  }

  private static String key(
      Map<String, String> data, String key, Boolean optional, String what, String variable) {
    if (data != null && data.containsKey(key)) {
      return data.get(key);
    }
    if (Boolean.TRUE.equals(optional)) {
      return "";
    }
    throw new MissingObjectException(
        "env " + variable + ": " + what + (data == null ? " not found" : " has no key " + key));
  }

  private static Map<String, String> sourceData(
      KubernetesClient client, String namespace, EnvFromSource from) {
    if (from.getSecretRef() != null) {
      String name = from.getSecretRef().getName();
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      return present(
          secret == null ? null : secretData(secret),
          from.getSecretRef().getOptional(),
          "secret " + name);
    }
    if (from.getConfigMapRef() != null) {
      String name = from.getConfigMapRef().getName();
      ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
      return present(
          map == null ? null : nonNull(map.getData()),
          from.getConfigMapRef().getOptional(),
          "configMap " + name);
    }
    throw new IllegalStateException("envFrom: only secretRef and configMapRef are supported");
  }

  private static Map<String, String> present(
      Map<String, String> data, Boolean optional, String what) {
    if (data != null) {
      return data;
    }
    if (Boolean.TRUE.equals(optional)) {
      return Map.of();
    }
    throw new MissingObjectException("envFrom: " + what + " not found");
  }

  private static Map<String, String> secretData(Secret secret) {
    Map<String, String> data = new LinkedHashMap<>();
    nonNull(secret.getData())
        .forEach(
            (k, v) ->
                data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    data.putAll(nonNull(secret.getStringData()));
    return data;
  }

  private static List<String> expandAll(
      List<String> values, Map<String, String> env, PodVolumes.Mounts mounts) {
    List<String> out = new ArrayList<>();
    for (String value : list(values)) {
      out.add(mounts.translate(VariableExpansion.expand(value, env)));
    }
    return out;
  }

  private static Path workDir(Container container, PodVolumes.Mounts mounts, Path containerDir)
      throws IOException {
    String declared = container.getWorkingDir();
    if (declared == null || declared.isEmpty()) {
      return Files.createDirectories(containerDir.resolve("work"));
    }
    Path dir = Path.of(mounts.translate(declared));
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "workingDir " + declared + " is neither under a volume mount nor a local directory");
    }
    return dir;
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Map<String, String> nonNull(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
