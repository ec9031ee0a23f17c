package io.dbtoperator.state;

import java.time.Instant;
import java.util.Objects;

/**
 * Where the compiled manifest of a project's newest commit is kept.
 *
 * @param version compare-and-set version: 0 for a pointer that does not exist yet
 */
public record ManifestPointer(
    String project, String commit, String location, Instant updatedAt, long version) {

  public ManifestPointer {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
