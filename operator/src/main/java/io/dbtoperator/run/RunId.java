package io.dbtoperator.run;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run id that says what the run does: {@code <utc yyyyMMddHHmmss>-<commit, 8>-<kind>}, e.g.
 * {@code 20261121163000-3f2a9c41-d}. A restarted process finds its unfinished run in the history
 * and can tell from the id alone whether it still matches the plan.
 */
public record RunId(String value, String startedAt, String commitPrefix, Kind kind) {

  /** What a run does to its schema. */
  public enum Kind {
    DEPLOY("d"),
    FULL_DEPLOY("fd"),
    REFRESH("r"),
    FULL_REFRESH("fr"),
    SNAPSHOT("s"),
    ROLLBACK("rb");

    final String code;

    Kind(String code) {
      this.code = code;
    }

    /** Whether the run builds into a staging schema and swaps it in. */
    public boolean swaps() {
      return this != SNAPSHOT && this != ROLLBACK;
    }

    public boolean isDeploy() {
      return this == DEPLOY || this == FULL_DEPLOY;
    }
  }

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Pattern FORMAT =
      Pattern.compile("^([0-9]{14})-([0-9a-f]{8})-(d|fd|r|fr|s|rb)$");

  public static RunId of(Instant startedAt, String commit, Kind kind) {
    String prefix = commit.substring(0, 8).toLowerCase(Locale.ROOT);
    String stamp = STAMP.format(startedAt);
    return new RunId(stamp + "-" + prefix + "-" + kind.code, stamp, prefix, kind);
  }

  /** Parses an id this class wrote; null for any other id. */
  public static RunId parse(String id) {
    Matcher matcher = FORMAT.matcher(id);
    if (!matcher.matches()) {
      return null;
    }
    for (Kind kind : Kind.values()) {
      if (kind.code.equals(matcher.group(3))) {
        return new RunId(id, matcher.group(1), matcher.group(2), kind);
      }
    }
    return null;
  }

  public boolean isFor(String commit, Kind wanted) {
    return kind == wanted && commit.toLowerCase(Locale.ROOT).startsWith(commitPrefix);
  }

  @Override
  public String toString() {
    return value;
  }
}
