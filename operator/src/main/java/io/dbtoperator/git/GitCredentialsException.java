package io.dbtoperator.git;

/**
 * Credentials that cannot be used, said without their content: the message is the end of a sentence
 * whose subject the caller names from {@link #part()} (a Secret key, a file), e.g. "is an encrypted
 * private key".
 */
public final class GitCredentialsException extends RuntimeException {
  /** Which of the credentials is at fault. */
  public enum Part {
    PRIVATE_KEY,
    KNOWN_HOSTS
  }

  private final Part part;

  public GitCredentialsException(Part part, String message) {
    super(message);
    this.part = part;
  }

  public Part part() {
    return part;
  }
}
