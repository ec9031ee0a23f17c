package io.dbtoperator.git;

/**
 * A file that differs between two commits.
 *
 * @param path path relative to the dbt project directory, with forward slashes
 */
public record ChangedFile(String path, Change change) {

  public enum Change {
    ADDED,
    MODIFIED,
    DELETED
  }
}
