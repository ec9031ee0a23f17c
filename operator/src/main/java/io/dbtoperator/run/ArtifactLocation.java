package io.dbtoperator.run;

import io.dbtoperator.api.DbtProjectSpec;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;

/**
 * Where artifacts are kept, as written in CLI options ({@code local:DIR}, a bare directory path, or
 * {@code s3://bucket/prefix?region=...&endpoint=...&pathStyle=true}) or in a DbtProject's {@code
 * spec.artifacts}.
 */
public sealed interface ArtifactLocation {

  /** Where the operator keeps artifacts when a project sets no {@code spec.artifacts}. */
  Path DEFAULT_LOCAL_DIR = Path.of("/var/lib/dbt-operator/artifacts");

  ArtifactStore open();

  /** A directory. */
  record Local(Path root) implements ArtifactLocation {
    @Override
    public ArtifactStore open() {
      return new LocalArtifactStore(root);
    }

    @Override
    public String toString() {
      return "local:" + root;
    }
  }

  /** A bucket of S3 or of an S3-compatible store. */
  record S3(S3ArtifactStore.Settings settings) implements ArtifactLocation {
    @Override
    public ArtifactStore open() {
      return new S3ArtifactStore(settings);
    }

    @Override
    public String toString() {
      return "s3://" + settings.bucket() + "/" + settings.prefix();
    }
  }

  /** The value of one key of a Secret in the project's namespace; empty when either is missing. */
  @FunctionalInterface
  public interface SecretValues {
    Optional<String> value(String secretName, String key);
  }

  /**
   * Parses a CLI location. S3 credentials come from {@code AWS_ACCESS_KEY_ID}, {@code
   * AWS_SECRET_ACCESS_KEY} and {@code AWS_SESSION_TOKEN} in {@code env} when set, else from the
   * SDK's default chain (profile, web identity, instance role); the region from {@code region=},
   * else {@code AWS_REGION} or {@code AWS_DEFAULT_REGION}, else us-east-1.
   */
  static ArtifactLocation parse(String text, Map<String, String> env) {
    if (text == null || text.isBlank()) {
      throw new ArtifactStoreException(
          "artifact store location is empty; expected local:DIR, a directory path or"
              + " s3://BUCKET/PREFIX");
    }
    Matcher scheme = LocationParsing.SCHEME.matcher(text);
    if (!scheme.matches()) {
      return new Local(
          LocationParsing.directory(
              "artifact store location \"" + WarehouseLocation.redacted(text) + "\"", text));
    }
    String name = scheme.group(1).toLowerCase(Locale.ROOT);
    String rest = scheme.group(2);
    String where = "artifact store location \"" + WarehouseLocation.redacted(text) + "\"";
    return switch (name) {
      case "local" -> {
        if (rest.isBlank()) {
          throw new ArtifactStoreException(where + " has no directory after \"local:\"");
        }
        yield new Local(LocationParsing.directory(where, rest));
      }
      case "s3" -> LocationParsing.s3Uri(where, rest, env);
      default ->
          throw new ArtifactStoreException(
              where
                  + " has unknown scheme \""
                  + name
                  + "\"; expected local:DIR, a directory path or s3://BUCKET/PREFIX");
    };
  }

  /**
   * Maps a DbtProject's {@code spec.artifacts}; absent means {@link #DEFAULT_LOCAL_DIR}. {@code
   * env} is the operator's environment, read for the region only.
   */
  public static ArtifactLocation fromSpec(
      DbtProjectSpec.Artifacts artifacts, SecretValues secrets, Map<String, String> env) {
    if (artifacts == null) {
      return new Local(DEFAULT_LOCAL_DIR);
    }
    if (artifacts.type() == null) {
      throw new ArtifactStoreException("spec.artifacts.type: required, s3 or local");
    }
    return switch (artifacts.type()) {
      case local -> {
        if (artifacts.local() == null) {
          throw new ArtifactStoreException("spec.artifacts.local: required for type local");
        }
        String path = artifacts.local().path();
        if (path == null || path.isBlank()) {
          throw new ArtifactStoreException("spec.artifacts.local.path: must not be empty");
        }
        Path root = LocationParsing.directory("spec.artifacts.local.path", path);
        if (!root.isAbsolute()) {
          throw new ArtifactStoreException(
              "spec.artifacts.local.path: \"" + path + "\" must be an absolute path");
        }
        yield new Local(root);
      }
      case s3 -> {
        DbtProjectSpec.S3 s3 = artifacts.s3();
        if (s3 == null) {
          throw new ArtifactStoreException("spec.artifacts.s3: required for type s3");
        }
        UnaryOperator<String> field = name -> "spec.artifacts.s3." + name;
        yield new S3(
            LocationParsing.s3Settings(
                field,
                s3.bucket(),
                s3.prefix(),
                s3.region(),
                s3.endpoint(),
                s3.pathStyle(),
                LocationParsing.secretCredentials(s3.credentialsSecretRef(), secrets),
                env));
      }
    };
  }
}
