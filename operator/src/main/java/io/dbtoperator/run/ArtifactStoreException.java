package io.dbtoperator.run;

/**
 * The artifact store cannot be used: bad location, missing bucket, refused credentials, unreachable
 * endpoint or an I/O failure. The message names the store and the operation, never a secret.
 */
public class ArtifactStoreException extends RuntimeException {
  public ArtifactStoreException(String message) {
    super(message);
  }

  public ArtifactStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
