package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a pod's container of the operator image reaches the project's artifact store: the location as
 * an argument (it holds no secret), the S3 credentials only as environment variables from the
 * Secret the spec names.
 */
final class PodArtifacts {
  private PodArtifacts() {}

  /**
   * A container running {@code dbt-operator COMMAND --artifacts LOCATION --namespace NS --project
   * NAME ARGS...}.
   */
  static RunPods.Upload upload(DbtProject project, String command, List<String> args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                command,
                "--artifacts",
                location(project),
                "--namespace",
                project.getMetadata().getNamespace(),
                "--project",
                project.getMetadata().getName()));
    all.addAll(args);
    return new RunPods.Upload(all, credentials(project));
  }

  static String location(DbtProject project) {
    DbtProjectSpec.Artifacts artifacts = project.getSpec().artifacts();
    if (artifacts == null || artifacts.type() == DbtProjectSpec.ArtifactsType.local) {
      return "local:"
          + (artifacts == null ? "/var/lib/dbt-operator/artifacts" : artifacts.local().path());
    }
    DbtProjectSpec.S3 s3 = artifacts.s3();
    StringBuilder uri =
        new StringBuilder("s3://" + s3.bucket() + "/" + (s3.prefix() == null ? "" : s3.prefix()));
    List<String> options = new ArrayList<>();
    if (s3.region() != null) {
      options.add("region=" + URLEncoder.encode(s3.region(), StandardCharsets.UTF_8));
    }
    if (s3.endpoint() != null) {
      options.add("endpoint=" + URLEncoder.encode(s3.endpoint(), StandardCharsets.UTF_8));
    }
    if (s3.pathStyle() != null) {
      options.add("pathStyle=" + s3.pathStyle());
    }
    if (!options.isEmpty()) {
      uri.append('?').append(String.join("&", options));
    }
    return uri.toString();
  }

  private static Map<String, RunPods.SecretKey> credentials(DbtProject project) {
    DbtProjectSpec.Artifacts artifacts = project.getSpec().artifacts();
    Map<String, RunPods.SecretKey> env = new LinkedHashMap<>();
    if (artifacts == null
        || artifacts.type() == DbtProjectSpec.ArtifactsType.local
        || artifacts.s3().credentialsSecretRef() == null) {
      return env;
    }
    DbtProjectSpec.S3SecretRef ref = artifacts.s3().credentialsSecretRef();
    env.put(
        "AWS_ACCESS_KEY_ID",
        new RunPods.SecretKey(
            ref.name(), ref.accessKeyIdKey() == null ? "accessKeyId" : ref.accessKeyIdKey()));
    env.put(
        "AWS_SECRET_ACCESS_KEY",
        new RunPods.SecretKey(
            ref.name(),
            ref.secretAccessKeyKey() == null ? "secretAccessKey" : ref.secretAccessKeyKey()));
    return env;
  }
}
