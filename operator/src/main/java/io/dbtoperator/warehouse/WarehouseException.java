package io.dbtoperator.warehouse;

/** A warehouse operation failed; the message names the schema and never holds credentials. */
public class WarehouseException extends RuntimeException {
  public WarehouseException(String message, Throwable cause) {
    super(message, cause);
  }

  public WarehouseException(String message) {
    super(message);
  }
}
