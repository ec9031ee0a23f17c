package io.dbtoperator.cli;

/** A command-line argument is wrong; the message names the option. */
final class UserInputException extends RuntimeException {
  UserInputException(String message) {
    super(message);
  }

  UserInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
