package io.dbtoperator.plan;

/**
 * A planning input is wrong. The message is shown to users as is, so it names the file, revision or
 * field at fault and says what is wrong with it.
 */
public class PlanException extends RuntimeException {
  public PlanException(String message) {
    super(message);
  }

  public PlanException(String message, Throwable cause) {
    super(message, cause);
  }
}
