package io.dbtoperator.state;

/**
 * The state store cannot be used: bad location, corrupt or too new file, unreachable cluster, or a
 * lock held longer than the busy timeout. The message names the store location and the operation.
 */
public class StateStoreException extends RuntimeException {
  public StateStoreException(String message) {
    super(message);
  }

  public StateStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
