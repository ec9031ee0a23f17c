package io.dbtoperator.run;

import io.dbtoperator.run.S3ArtifactStore.Settings;
import io.dbtoperator.run.S3ArtifactStore.StaticCredentials;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 artifact store's failures as one-line messages: a missing bucket, refused credentials
 * named by where they came from (never their value), an unreachable endpoint, or the server's own
 * code and message.
 */
final class S3Failures {
  private final Settings settings;
  private final String store;

  /**
   * @param store the store as messages name it, {@code s3://bucket/prefix}
   */
  S3Failures(Settings settings, String store) {
    this.settings = settings;
    this.store = store;
  }

  static Throwable unwrap(Throwable thrown) {
    Throwable cause = thrown;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** What went wrong in {@code operation}, in words that name the bucket, endpoint or key. */
  ArtifactStoreException of(String operation, Throwable thrown) {
    Throwable cause = unwrap(thrown);
    String prefix = "artifact store " + store + ": " + operation + " failed: ";
    if (cause instanceof NoSuchBucketException
        || (cause instanceof S3Exception s3 && "NoSuchBucket".equals(errorCode(s3)))) {
      return new ArtifactStoreException(
          prefix + "bucket \"" + settings.bucket() + "\" does not exist at " + endpoint(), cause);
    }
    if (cause instanceof S3Exception s3 && s3.statusCode() == 403) {
      return new ArtifactStoreException(prefix + refusal(errorCode(s3)), cause);
    }
    if (cause instanceof S3Exception s3) {
      return new ArtifactStoreException(
          prefix + errorCode(s3) + " (HTTP " + s3.statusCode() + "): " + serverMessage(s3), cause);
    }
    Throwable unreachable = connectFailure(cause);
    if (unreachable != null) {
      return new ArtifactStoreException(
          prefix
              + "cannot reach "
              + endpoint()
              + " after "
              + S3ArtifactStore.MAX_ATTEMPTS
              + " attempts: "
              + unreachable.getMessage(),
          cause);
    }
    return new ArtifactStoreException(prefix + cause.getMessage(), cause);
  }

  private String refusal(String code) {
    StaticCredentials credentials = settings.credentials();
    String accessKeyId =
        credentials == null
            ? "the access key id of the default AWS credentials chain"
            : "the access key id from " + credentials.accessKeyIdSource();
    return switch (code) {
      case "InvalidAccessKeyId" -> accessKeyId + " is not known to " + endpoint();
      case "SignatureDoesNotMatch" ->
          "the signature was refused: the secret access key "
              + (credentials == null
                  ? "of the default AWS credentials chain"
                  : "from " + credentials.secretAccessKeySource())
              + " does not belong to "
              + accessKeyId;
      default -> "access denied (" + code + ") to " + accessKeyId;
    };
  }

  private String endpoint() {
    return settings.endpoint() != null
        ? settings.endpoint().toString()
        : "AWS S3 in region " + settings.region();
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
        ? e.awsErrorDetails().errorCode()
        : "HTTP " + e.statusCode();
  }

  private static String serverMessage(S3Exception e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
        ? e.awsErrorDetails().errorMessage()
        : e.getMessage();
  }

  /**
   * The connection failure behind an error, if any. A connection the client's pool could not get in
   * time counts: on a loaded machine a refused connection showed up as that timeout, and the SDK's
   * message for it is paragraphs of advice that do not name the endpoint.
   */
  private static Throwable connectFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof java.util.concurrent.TimeoutException) {
        return t;
      }
    }
    return null;
  }
}
