package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's volumes as local directories: emptyDir as an empty directory, secret, configMap,
 * downwardAPI and projected volumes as the files they would hold, hostPath as the path itself.
 * Processes cannot see mounts, so {@link Mounts} rewrites the paths a container names instead.
 */
final class PodVolumes {

  /** The mount the ServiceAccount admission plugin adds to every container. */
  static final String SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

  private static final int DEFAULT_MODE = 0644;
  // the kubelet asks for this lifetime; the apiserver extends tokens bound to a pod to a year
  private static final long DEFAULT_TOKEN_SECONDS = 3607;

  private final KubernetesClient client;
  private final Pod pod;
  private final Path root;
  private final Map<String, Path> directories = new LinkedHashMap<>();

  PodVolumes(KubernetesClient client, Pod pod, Path root) {
    this.client = client;
    this.pod = pod;
    this.root = root;
  }

  /**
   * Writes every volume of the pod.
   *
   * @throws IllegalStateException naming the volume that could not be made
   */
  void materialize() throws IOException {
    List<Volume> volumes = pod.getSpec().getVolumes();
    for (Volume volume : volumes == null ? List.<Volume>of() : volumes) {
      try {
        directories.put(volume.getName(), make(volume));
      } catch (MissingObjectException e) {
        throw new MissingObjectException("volume " + volume.getName() + ": " + e.getMessage());
      } catch (RuntimeException e) {
        throw new IllegalStateException("volume " + volume.getName() + ": " + e.getMessage(), e);
      }
    }
  }

  /** The paths of one container: its mounts, longest mountPath first. */
  Mounts mounts(Container container) throws IOException {
    List<VolumeMount> declared = container.getVolumeMounts();
    List<Mount> mounts = new java.util.ArrayList<>();
    for (VolumeMount mount : declared == null ? List.<VolumeMount>of() : declared) {
      Path dir = directories.get(mount.getName());
      if (dir == null) {
        throw new IllegalStateException(
            "volume mount " + mount.getMountPath() + " names no volume " + mount.getName());
      }
      String subPath = mount.getSubPath();
      if (subPath != null && !subPath.isEmpty()) {
        dir = dir.resolve(subPath).normalize();
        if (!dir.startsWith(directories.get(mount.getName()))) {
          throw new IllegalStateException(
              "subPath " + subPath + " leaves volume " + mount.getName());
        }
        // a subPath naming a file mounts that file, one naming nothing a new directory
        if (!Files.exists(dir)) {
          Files.createDirectories(dir);
        }
      }
      mounts.add(new Mount(trimSlash(mount.getMountPath()), dir));
    }
    mounts.sort(Comparator.comparingInt((Mount m) -> m.mountPath().length()).reversed());
    return new Mounts(List.copyOf(mounts));
  }

  record Mount(String mountPath, Path local) {}

  /** Rewrites paths under a container's mounts to the directories that back them. */
  record Mounts(List<Mount> mounts) {

    /**
     * A value that is a path under a mountPath, or an option {@code -x=PATH}/{@code --x=PATH} whose
     * value is, names the local directory instead; anything else is unchanged.
     */
    String translate(String value) {
      if (value == null) {
        return null;
      }
      int eq = value.indexOf('=');
      if (value.startsWith("-") && eq > 0) {
        return value.substring(0, eq + 1) + translatePath(value.substring(eq + 1));
      }
      return translatePath(value);
    }

    private String translatePath(String value) {
      for (Mount mount : mounts) {
        String path = mount.mountPath();
        if (value.equals(path) || value.startsWith(path + "/") || path.equals("/")) {
          String rest = path.equals("/") ? value.substring(1) : value.substring(path.length());
          return mount.local() + (rest.isEmpty() || rest.startsWith("/") ? rest : "/" + rest);
        }
      }
      return value;
    }

    /** The local directory mounted at exactly {@code mountPath}, if any. */
    java.util.Optional<Path> at(String mountPath) {
      return mounts.stream()
          .filter(m -> m.mountPath().equals(mountPath))
          .map(Mount::local)
          .findFirst();
    }
  }

  private Path make(Volume volume) throws IOException {
    if (volume.getHostPath() != null) {
      return Path.of(volume.getHostPath().getPath());
    }
    Path dir = Files.createDirectories(root.resolve(volume.getName()));
    if (volume.getEmptyDir() != null) {
      return dir;
    }
    if (volume.getSecret() != null) {
      var source = volume.getSecret();
      writeSecret(
          dir,
          source.getSecretName(),
          source.getItems(),
          source.getOptional(),
          mode(source.getDefaultMode()));
    } else if (volume.getConfigMap() != null) {
      var source = volume.getConfigMap();
      writeConfigMap(
          dir,
          source.getName(),
          source.getItems(),
          source.getOptional(),
          mode(source.getDefaultMode()));
    } else if (volume.getDownwardAPI() != null) {
      var source = volume.getDownwardAPI();
      writeDownward(dir, source.getItems(), mode(source.getDefaultMode()));
    } else if (volume.getProjected() != null) {
      int mode = mode(volume.getProjected().getDefaultMode());
      for (VolumeProjection projection : volume.getProjected().getSources()) {
        writeProjection(dir, projection, mode);
      }
    } else {
      throw new IllegalStateException("this volume type is not supported by the local kubelet");
    }
    return dir;
  }

  private void writeProjection(Path dir, VolumeProjection projection, int mode) throws IOException {
    if (projection.getServiceAccountToken() != null) {
      ServiceAccountTokenProjection source = projection.getServiceAccountToken();
      write(dir, source.getPath(), token(source).getBytes(StandardCharsets.UTF_8), 0600);
    } else if (projection.getConfigMap() != null) {
      var source = projection.getConfigMap();
      writeConfigMap(dir, source.getName(), source.getItems(), source.getOptional(), mode);
    } else if (projection.getSecret() != null) {
      var source = projection.getSecret();
      writeSecret(dir, source.getName(), source.getItems(), source.getOptional(), mode);
    } else if (projection.getDownwardAPI() != null) {
      writeDownward(dir, projection.getDownwardAPI().getItems(), mode);
    } else {
      throw new IllegalStateException(
          "this projected source is not supported by the local kubelet");
    }
  }

  /** A token for the pod's ServiceAccount, bound to the pod as the real kubelet's are. */
  private String token(ServiceAccountTokenProjection source) {
    String serviceAccount = pod.getSpec().getServiceAccountName();
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(source.getAudience() == null ? List.of() : List.of(source.getAudience()))
            .withExpirationSeconds(
                source.getExpirationSeconds() == null
                    ? DEFAULT_TOKEN_SECONDS
                    : source.getExpirationSeconds())
            .withNewBoundObjectRef()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid())
            .endBoundObjectRef()
            .endSpec()
            .build();
    return client
        .serviceAccounts()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(serviceAccount == null ? "default" : serviceAccount)
        .tokenRequest(request)
        .getStatus()
        .getToken();
  }

  private void writeSecret(Path dir, String name, List<KeyToPath> items, Boolean optional, int mode)
      throws IOException {
    Secret secret = client.secrets().inNamespace(namespace()).withName(name).get();
    if (secret == null) {
      requireOptional(optional, "secret " + name);
      return;
    }
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    writeKeys(dir, data, items, mode, "secret " + name, optional);
  }

  private void writeConfigMap(
      Path dir, String name, List<KeyToPath> items, Boolean optional, int mode) throws IOException {
    ConfigMap configMap = client.configMaps().inNamespace(namespace()).withName(name).get();
    if (configMap == null) {
      requireOptional(optional, "configMap " + name);
      return;
    }
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (configMap.getData() != null) {
      configMap.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    if (configMap.getBinaryData() != null) {
      configMap.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    writeKeys(dir, data, items, mode, "configMap " + name, optional);
  }

  private static void writeKeys(
      Path dir,
      Map<String, byte[]> data,
      List<KeyToPath> items,
      int mode,
      String what,
      Boolean optional)
      throws IOException {
    if (items == null || items.isEmpty()) {
      for (Map.Entry<String, byte[]> entry : data.entrySet()) {
        write(dir, entry.getKey(), entry.getValue(), mode);
      }
      return;
    }
    for (KeyToPath item : items) {
      byte[] value = data.get(item.getKey());
      if (value == null) {
        requireOptional(optional, what + " key " + item.getKey());
        continue;
      }
      write(dir, item.getPath(), value, item.getMode() == null ? mode : item.getMode());
    }
  }

  private void writeDownward(Path dir, List<DownwardAPIVolumeFile> items, int mode)
      throws IOException {
    for (DownwardAPIVolumeFile item : items == null ? List.<DownwardAPIVolumeFile>of() : items) {
      if (item.getFieldRef() == null) {
        throw new IllegalStateException(
            "downwardAPI item " + item.getPath() + ": only fieldRef is supported");
      }
      String value = FieldRefs.value(pod, item.getFieldRef().getFieldPath());
      write(
          dir,
          item.getPath(),
          value.getBytes(StandardCharsets.UTF_8),
          item.getMode() == null ? mode : item.getMode());
    }
  }

  private static void requireOptional(Boolean optional, String what) {
    if (!Boolean.TRUE.equals(optional)) {
      throw new MissingObjectException(what + " not found");
    }
  }

  private static void write(Path dir, String relative, byte[] content, int mode)
      throws IOException {
    Path file = dir.resolve(relative).normalize();
    if (!file.startsWith(dir)) {
      throw new IllegalStateException("path " + relative + " leaves the volume");
    }
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    Files.write(file, content);
    // owner-writable so that the pod's directory can be cleaned up; the rest as asked
    Files.setPosixFilePermissions(file, permissions(mode | 0200));
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  private static int mode(Integer mode) {
    return mode == null ? DEFAULT_MODE : mode;
  }

  private String namespace() {
    return pod.getMetadata().getNamespace();
  }

  private static String trimSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
