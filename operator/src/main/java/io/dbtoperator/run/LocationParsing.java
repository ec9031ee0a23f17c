package io.dbtoperator.run;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.run.ArtifactLocation.SecretValues;
import io.dbtoperator.run.S3ArtifactStore.StaticCredentials;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/** Parsing shared by the CLI and spec forms. */
final class LocationParsing {
  // Two or more letters, so that a Windows drive letter ("C:\artifacts") still reads as a path.
  static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):(.*)$");
  private static final Pattern BUCKET = Pattern.compile("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");
  private static final Pattern IP_ADDRESS = Pattern.compile("^\\d+\\.\\d+\\.\\d+\\.\\d+$");
  private static final Pattern REGION = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_-]*$");

  private LocationParsing() {}

  static Path directory(String where, String path) {
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw new ArtifactStoreException(
          where + ": \"" + path + "\" is not a valid path: " + e.getReason(), e);
    }
  }

  static ArtifactLocation.S3 s3Uri(String where, String rest, Map<String, String> env) {
    if (!rest.startsWith("//")) {
      throw new ArtifactStoreException(where + ": expected s3://BUCKET/PREFIX");
    }
    String afterSlashes = rest.substring(2);
    int query = afterSlashes.indexOf('?');
    String path = query < 0 ? afterSlashes : afterSlashes.substring(0, query);
    int slashInPath = path.indexOf('/');
    if ((slashInPath < 0 ? path : path.substring(0, slashInPath)).contains("@")) {
      // Whatever precedes '@' is a credential; it is neither used nor shown.
      throw new ArtifactStoreException(
          where
              + ": credentials do not belong in the location; set AWS_ACCESS_KEY_ID and"
              + " AWS_SECRET_ACCESS_KEY");
    }
    Map<String, String> options =
        query < 0 ? Map.of() : queryOptions(where, afterSlashes.substring(query + 1));
    int slash = path.indexOf('/');
    String bucket = slash < 0 ? path : path.substring(0, slash);
    String prefix = slash < 0 ? "" : path.substring(slash + 1);
    String pathStyle = options.get("pathStyle");
    Boolean pathStyleFlag = null;
    if (pathStyle != null) {
      if (!pathStyle.equalsIgnoreCase("true") && !pathStyle.equalsIgnoreCase("false")) {
        throw new ArtifactStoreException(
            where + " pathStyle: \"" + pathStyle + "\" is not true or false");
      }
      pathStyleFlag = Boolean.parseBoolean(pathStyle);
    }
    return new ArtifactLocation.S3(
        s3Settings(
            name -> where + " " + name,
            bucket,
            prefix,
            options.get("region"),
            options.get("endpoint"),
            pathStyleFlag,
            environmentCredentials(where, env),
            env));
  }

  private static Map<String, String> queryOptions(String where, String query) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value =
          equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      if (!name.equals("region") && !name.equals("endpoint") && !name.equals("pathStyle")) {
        throw new ArtifactStoreException(
            where + " has unknown option \"" + name + "\"; expected region, endpoint or pathStyle");
      }
      options.put(name, value);
    }
    return options;
  }

  static S3ArtifactStore.Settings s3Settings(
      UnaryOperator<String> field,
      String bucket,
      String prefix,
      String region,
      String endpoint,
      Boolean pathStyle,
      StaticCredentials credentials,
      Map<String, String> env) {
    if (bucket == null || bucket.isEmpty()) {
      throw new ArtifactStoreException(field.apply("bucket") + ": must not be empty");
    }
    if (!BUCKET.matcher(bucket).matches()
        || bucket.contains("..")
        || IP_ADDRESS.matcher(bucket).matches()) {
      throw new ArtifactStoreException(
          field.apply("bucket")
              + ": \""
              + bucket
              + "\" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, '.' and"
              + " '-', starting and ending with a letter or digit)");
    }
    String normalizedPrefix = normalizePrefix(field, prefix);
    URI endpointUri = endpoint == null || endpoint.isBlank() ? null : endpoint(field, endpoint);
    String resolvedRegion =
        firstPresent(region, env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"));
    if (resolvedRegion == null) {
      resolvedRegion = S3ArtifactStore.DEFAULT_REGION;
    } else if (!REGION.matcher(resolvedRegion).matches()) {
      throw new ArtifactStoreException(
          field.apply("region") + ": \"" + resolvedRegion + "\" is not a valid region name");
    }
    // S3-compatible stores are rarely reachable at bucket.host names, so an endpoint implies
    // path-style access unless told otherwise.
    boolean usePathStyle = pathStyle != null ? pathStyle : endpointUri != null;
    return new S3ArtifactStore.Settings(
        bucket, normalizedPrefix, resolvedRegion, endpointUri, usePathStyle, credentials);
  }

  private static String normalizePrefix(UnaryOperator<String> field, String prefix) {
    if (prefix == null) {
      return "";
    }
    String trimmed = prefix.replaceAll("^/+", "").replaceAll("/+$", "");
    if (trimmed.contains("//")) {
      throw new ArtifactStoreException(
          field.apply("prefix") + ": \"" + prefix + "\" has an empty path segment (\"//\")");
    }
    return trimmed;
  }

  private static URI endpoint(UnaryOperator<String> field, String endpoint) {
    String problem =
        field.apply("endpoint") + ": \"" + endpoint + "\" is not an http:// or https:// URL";
    try {
      URI uri = new URI(endpoint);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new ArtifactStoreException(problem);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ArtifactStoreException(problem, e);
    }
  }

  private static String firstPresent(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  static StaticCredentials environmentCredentials(String where, Map<String, String> env) {
    String accessKeyId = firstPresent(env.get("AWS_ACCESS_KEY_ID"));
    String secretAccessKey = firstPresent(env.get("AWS_SECRET_ACCESS_KEY"));
    if (accessKeyId == null && secretAccessKey == null) {
      return null;
    }
    if (accessKeyId == null || secretAccessKey == null) {
      throw new ArtifactStoreException(
          where
              + ": "
              + (accessKeyId == null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")
              + " is not set, but "
              + (accessKeyId == null ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")
              + " is; set both or neither");
    }
    return new StaticCredentials(
        accessKeyId,
        secretAccessKey,
        firstPresent(env.get("AWS_SESSION_TOKEN")),
        "environment variable AWS_ACCESS_KEY_ID",
        "environment variable AWS_SECRET_ACCESS_KEY");
  }

  static StaticCredentials secretCredentials(DbtProjectSpec.S3SecretRef ref, SecretValues secrets) {
    if (ref == null) {
      return null;
    }
    String field = "spec.artifacts.s3.credentialsSecretRef";
    if (ref.name() == null || ref.name().isBlank()) {
      throw new ArtifactStoreException(field + ".name: must not be empty");
    }
    String accessKeyIdKey = ref.accessKeyIdKey() == null ? "accessKeyId" : ref.accessKeyIdKey();
    String secretAccessKeyKey =
        ref.secretAccessKeyKey() == null ? "secretAccessKey" : ref.secretAccessKeyKey();
    String accessKeyIdField = field + ".accessKeyIdKey";
    String secretAccessKeyField = field + ".secretAccessKeyKey";
    return new StaticCredentials(
        secretValue(secrets, ref.name(), accessKeyIdKey, accessKeyIdField),
        secretValue(secrets, ref.name(), secretAccessKeyKey, secretAccessKeyField),
        null,
        keySource(ref.name(), accessKeyIdKey, accessKeyIdField),
        keySource(ref.name(), secretAccessKeyKey, secretAccessKeyField));
  }

  private static String secretValue(
      SecretValues secrets, String secretName, String key, String field) {
    return secrets
        .value(secretName, key)
        .filter(value -> !value.isBlank())
        .orElseThrow(
            () ->
                new ArtifactStoreException(
                    field
                        + ": Secret \""
                        + secretName
                        + "\" has no key \""
                        + key
                        + "\" (or the Secret does not exist, or the value is empty)"));
  }

  private static String keySource(String secretName, String key, String field) {
    return "Secret \"" + secretName + "\" key \"" + key + "\" (" + field + ")";
  }
}
