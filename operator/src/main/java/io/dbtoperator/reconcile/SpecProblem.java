package io.dbtoperator.reconcile;

/**
 * A spec the API server accepted but the operator cannot act on (a missing Secret, an unreachable
 * repository): reported as Ready=False with the reason, and a message naming the spec path.
 */
public final class SpecProblem extends RuntimeException {
  private final String reason;

  /**
   * @param reason CamelCase, for the condition, e.g. SecretNotFound
   * @param message starts with the spec path, e.g. {@code spec.git.secretRef: secret "x" not found}
   */
  public SpecProblem(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
