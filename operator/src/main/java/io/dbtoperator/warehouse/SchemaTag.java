package io.dbtoperator.warehouse;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The operator's mark on a schema, kept in the schema's comment. It travels with the schema through
 * renames and swaps, which is what lets a restarted run tell whether its swap already happened.
 *
 * @param project project key
 * @param live the live schema this schema belongs to
 * @param runId the run that built the schema's contents
 * @param role what the schema is now
 * @param at when the tag was written, millisecond precision
 */
public record SchemaTag(String project, String live, String runId, Role role, Instant at) {

  /** What an operator-owned schema currently is. */
  public enum Role {
    STAGING,
    LIVE,
    PREVIOUS
  }

  static final String PREFIX = "dbt-operator:v1";

  public SchemaTag {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(live, "live");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(at, "at");
    for (String value : new String[] {project, live, runId}) {
      if (value.isEmpty() || value.chars().anyMatch(c -> c == ' ' || c == '=' || c == '\'')) {
        throw new IllegalArgumentException(
            "tag values may not contain ' ', '=' or quotes: " + value);
      }
    }
  }

  public SchemaTag withRole(Role newRole, Instant when) {
    return new SchemaTag(project, live, runId, newRole, when);
  }

  /** The comment text: {@code dbt-operator:v1 project=p live=s run=r role=live at=2026-...Z}. */
  public String toComment() {
    return PREFIX
        + " project="
        + project
        + " live="
        + live
        + " run="
        + runId
        + " role="
        + role.name().toLowerCase(Locale.ROOT)
        + " at="
        + at;
  }

  /** Parses a schema comment; empty for comments the operator did not write. */
  public static Optional<SchemaTag> parse(String comment) {
    if (comment == null || !comment.startsWith(PREFIX + " ")) {
      return Optional.empty();
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : comment.substring(PREFIX.length() + 1).trim().split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        return Optional.empty();
      }
      fields.put(part.substring(0, eq), part.substring(eq + 1));
    }
    try {
      return Optional.of(
          new SchemaTag(
              fields.get("project"),
              fields.get("live"),
              fields.get("run"),
              Role.valueOf(fields.get("role").toUpperCase(Locale.ROOT)),
              Instant.parse(fields.get("at"))));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
