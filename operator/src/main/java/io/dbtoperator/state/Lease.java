package io.dbtoperator.state;

import java.time.Instant;
import java.util.Objects;

/**
 * Exclusive right of {@code holder} to run {@code schema} of {@code project} until {@code
 * expiresAt} (exclusive).
 */
public record Lease(String project, String schema, String holder, Instant expiresAt) {
  public Lease {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
