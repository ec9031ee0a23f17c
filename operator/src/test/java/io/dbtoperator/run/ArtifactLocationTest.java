package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.api.DbtProjectSpec.Artifacts;
import io.dbtoperator.api.DbtProjectSpec.ArtifactsType;
import io.dbtoperator.api.DbtProjectSpec.Local;
import io.dbtoperator.api.DbtProjectSpec.S3;
import io.dbtoperator.api.DbtProjectSpec.S3SecretRef;
import io.dbtoperator.run.ArtifactLocation.SecretValues;
import io.dbtoperator.run.S3ArtifactStore.Settings;
import io.dbtoperator.run.S3ArtifactStore.StaticCredentials;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArtifactLocationTest {
  private static final String BUCKET_RULE =
      " is not a valid S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', starting"
          + " and ending with a letter or digit)";
  private static final SecretValues NO_SECRETS = (name, key) -> Optional.empty();

  private static ArtifactLocation parse(String text) {
    return ArtifactLocation.parse(text, Map.of());
  }

  @Test
  void aPathOrLocalSchemeIsADirectory() {
    assertThat(parse("/data/artifacts"))
        .isEqualTo(new ArtifactLocation.Local(Path.of("/data/artifacts")));
    assertThat(parse("local:/data/artifacts"))
        .isEqualTo(new ArtifactLocation.Local(Path.of("/data/artifacts")));
    assertThat(parse("build/artifacts"))
        .isEqualTo(new ArtifactLocation.Local(Path.of("build/artifacts")));
  }

  @Test
  void anS3UriGivesBucketPrefixAndOptions() {
    assertThat(parse("s3://dbt-artifacts/teams/data/?region=eu-west-1"))
        .isEqualTo(
            new ArtifactLocation.S3(
                new Settings("dbt-artifacts", "teams/data", "eu-west-1", null, false, null)));
    assertThat(parse("s3://dbt-artifacts?endpoint=http://minio.local:9000&pathStyle=false"))
        .isEqualTo(
            new ArtifactLocation.S3(
                new Settings(
                    "dbt-artifacts",
                    "",
                    "us-east-1",
                    URI.create("http://minio.local:9000"),
                    false,
                    null)));
  }

  @Test
  void anEndpointImpliesPathStyleUnlessTold() {
    ArtifactLocation.S3 location =
        (ArtifactLocation.S3) parse("s3://dbt-artifacts/p?endpoint=https%3A%2F%2Fs3.example.org");

    assertThat(location.settings().endpoint()).isEqualTo(URI.create("https://s3.example.org"));
    assertThat(location.settings().pathStyle()).isTrue();
  }

  @Test
  void credentialsAndRegionComeFromTheAwsEnvironment() {
    ArtifactLocation location =
        ArtifactLocation.parse(
            "s3://dbt-artifacts/p",
            Map.of(
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY", "secret-value-123",
                "AWS_SESSION_TOKEN", "session-token",
                "AWS_DEFAULT_REGION", "ap-south-1"));

    StaticCredentials credentials =
        new StaticCredentials(
            "AKIDEXAMPLE",
            "secret-value-123",
            "session-token",
            "environment variable AWS_ACCESS_KEY_ID",
            "environment variable AWS_SECRET_ACCESS_KEY");
    assertThat(location)
        .isEqualTo(
            new ArtifactLocation.S3(
                new Settings("dbt-artifacts", "p", "ap-south-1", null, false, credentials)));
    assertThat(location.toString()).isEqualTo("s3://dbt-artifacts/p");
    assertThat(credentials.toString()).doesNotContain("secret-value-123");
  }

  @Test
  void halfOfAKeyPairInTheEnvironmentIsRefused() {
    assertThatThrownBy(
            () ->
                ArtifactLocation.parse(
                    "s3://dbt-artifacts", Map.of("AWS_SECRET_ACCESS_KEY", "secret-value-123")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessage(
            "artifact store location \"s3://dbt-artifacts\": AWS_ACCESS_KEY_ID is not set, but"
                + " AWS_SECRET_ACCESS_KEY is; set both or neither");
  }

  @Test
  void badCliLocationsNameTheProblem() {
    assertThatThrownBy(() -> parse(" "))
        .hasMessage(
            "artifact store location is empty; expected local:DIR, a directory path or"
                + " s3://BUCKET/PREFIX");
    assertThatThrownBy(() -> parse("local:"))
        .hasMessage("artifact store location \"local:\" has no directory after \"local:\"");
    assertThatThrownBy(() -> parse("gcs://bucket"))
        .hasMessage(
            "artifact store location \"gcs://bucket\" has unknown scheme \"gcs\"; expected"
                + " local:DIR, a directory path or s3://BUCKET/PREFIX");
    assertThatThrownBy(() -> parse("s3:bucket"))
        .hasMessage("artifact store location \"s3:bucket\": expected s3://BUCKET/PREFIX");
    assertThatThrownBy(() -> parse("s3://Bad_Bucket/p"))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessage(
            "artifact store location \"s3://Bad_Bucket/p\" bucket: \"Bad_Bucket\"" + BUCKET_RULE);
    assertThatThrownBy(() -> parse("s3://b/p?regoin=eu-west-1"))
        .hasMessage(
            "artifact store location \"s3://b/p?regoin=eu-west-1\" has unknown option \"regoin\";"
                + " expected region, endpoint or pathStyle");
    assertThatThrownBy(() -> parse("s3://bucket/p?pathStyle=yes"))
        .hasMessage(
            "artifact store location \"s3://bucket/p?pathStyle=yes\" pathStyle: \"yes\" is not"
                + " true or false");
    assertThatThrownBy(() -> parse("s3://bucket/p?endpoint=ftp://host"))
        .hasMessage(
            "artifact store location \"s3://bucket/p?endpoint=ftp://host\" endpoint:"
                + " \"ftp://host\" is not an http:// or https:// URL");
  }

  @Test
  void bucketNamesFollowS3Rules() {
    for (String bad : new String[] {"ab", "-bucket", "bucket-", "a..b", "192.168.1.1", "UPPER"}) {
      assertThatThrownBy(() -> parse("s3://" + bad))
          .as(bad)
          .hasMessageEndingWith("bucket: \"" + bad + "\"" + BUCKET_RULE);
    }
    assertThat(parse("s3://my.bucket-01")).isInstanceOf(ArtifactLocation.S3.class);
  }

  @Test
  void anAbsentSpecMeansTheDefaultDirectory() {
    assertThat(ArtifactLocation.fromSpec(null, NO_SECRETS, Map.of()))
        .isEqualTo(new ArtifactLocation.Local(Path.of("/var/lib/dbt-operator/artifacts")));
  }

  @Test
  void aLocalSpecNeedsAnAbsolutePath() {
    assertThat(local(new Local("/data/artifacts")))
        .isEqualTo(new ArtifactLocation.Local(Path.of("/data/artifacts")));
    assertThatThrownBy(() -> local(new Local("data")))
        .hasMessage("spec.artifacts.local.path: \"data\" must be an absolute path");
    assertThatThrownBy(() -> local(new Local(" ")))
        .hasMessage("spec.artifacts.local.path: must not be empty");
    assertThatThrownBy(() -> local(null))
        .hasMessage("spec.artifacts.local: required for type local");
    assertThatThrownBy(
            () -> ArtifactLocation.fromSpec(new Artifacts(null, null, null), NO_SECRETS, Map.of()))
        .hasMessage("spec.artifacts.type: required, s3 or local");
  }

  @Test
  void anS3SpecMapsToSettingsWithSecretCredentials() {
    S3 s3 =
        new S3(
            "dbt-artifacts",
            "/dbt/prod/",
            null,
            "http://minio.minio.svc:9000",
            null,
            new S3SecretRef("s3-creds", null, "secret"));
    Map<String, String> secret = Map.of("accessKeyId", "minio-user", "secret", "minio-pass-987");

    ArtifactLocation location =
        ArtifactLocation.fromSpec(
            new Artifacts(ArtifactsType.s3, s3, null),
            (name, key) ->
                name.equals("s3-creds") ? Optional.ofNullable(secret.get(key)) : Optional.empty(),
            Map.of("AWS_REGION", "eu-central-1"));

    assertThat(location)
        .isEqualTo(
            new ArtifactLocation.S3(
                new Settings(
                    "dbt-artifacts",
                    "dbt/prod",
                    "eu-central-1",
                    URI.create("http://minio.minio.svc:9000"),
                    true,
                    new StaticCredentials(
                        "minio-user",
                        "minio-pass-987",
                        null,
                        "Secret \"s3-creds\" key \"accessKeyId\""
                            + " (spec.artifacts.s3.credentialsSecretRef.accessKeyIdKey)",
                        "Secret \"s3-creds\" key \"secret\""
                            + " (spec.artifacts.s3.credentialsSecretRef.secretAccessKeyKey)"))));
  }

  @Test
  void badS3SpecsNameTheField() {
    assertThatThrownBy(() -> s3(new S3("Bad_Bucket", null, null, null, null, null)))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessage("spec.artifacts.s3.bucket: \"Bad_Bucket\"" + BUCKET_RULE);
    assertThatThrownBy(() -> s3(new S3(null, null, null, null, null, null)))
        .hasMessage("spec.artifacts.s3.bucket: must not be empty");
    assertThatThrownBy(() -> s3(new S3("bucket", "a//b", null, null, null, null)))
        .hasMessage("spec.artifacts.s3.prefix: \"a//b\" has an empty path segment (\"//\")");
    assertThatThrownBy(() -> s3(new S3("bucket", null, "eu west", null, null, null)))
        .hasMessage("spec.artifacts.s3.region: \"eu west\" is not a valid region name");
    assertThatThrownBy(() -> s3(new S3("bucket", null, null, "minio:9000", null, null)))
        .hasMessage("spec.artifacts.s3.endpoint: \"minio:9000\" is not an http:// or https:// URL");
    assertThatThrownBy(
            () -> s3(new S3("bucket", null, null, null, null, new S3SecretRef("s3", null, null))))
        .hasMessage(
            "spec.artifacts.s3.credentialsSecretRef.accessKeyIdKey: Secret \"s3\" has no key"
                + " \"accessKeyId\" (or the Secret does not exist, or the value is empty)");
    assertThatThrownBy(
            () ->
                ArtifactLocation.fromSpec(
                    new Artifacts(ArtifactsType.s3, null, null), NO_SECRETS, Map.of()))
        .hasMessage("spec.artifacts.s3: required for type s3");
  }

  @Test
  void aMissingSecretKeyIsNamedWithoutShowingTheOtherValue() {
    SecretValues onlyAccessKey =
        (name, key) -> key.equals("accessKeyId") ? Optional.of("AKIDEXAMPLE") : Optional.empty();

    assertThatThrownBy(
            () ->
                ArtifactLocation.fromSpec(
                    new Artifacts(
                        ArtifactsType.s3,
                        new S3("bucket", null, null, null, null, new S3SecretRef("s3", null, null)),
                        null),
                    onlyAccessKey,
                    Map.of()))
        .hasMessage(
            "spec.artifacts.s3.credentialsSecretRef.secretAccessKeyKey: Secret \"s3\" has no key"
                + " \"secretAccessKey\" (or the Secret does not exist, or the value is empty)");
  }

  private static ArtifactLocation local(Local local) {
    return ArtifactLocation.fromSpec(
        new Artifacts(ArtifactsType.local, null, local), NO_SECRETS, Map.of());
  }

  private static ArtifactLocation s3(S3 s3) {
    return ArtifactLocation.fromSpec(
        new Artifacts(ArtifactsType.s3, s3, null), NO_SECRETS, Map.of());
  }
}
