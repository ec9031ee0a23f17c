package io.dbtoperator.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;

/**
 * Position after the last run of a history page: the sort key of that run, encoded as the opaque
 * page token that backends hand out.
 */
record RunCursor(long startedAtMillis, String schema, String id) {

  /**
   * History order: newest startedAt first, then id and schema descending. Text compares by UTF-8
   * bytes, as Cassandra clustering columns and SQLite's binary collation do.
   */
  static final Comparator<RunRecord> NEWEST_FIRST =
      Comparator.comparingLong((RunRecord run) -> run.startedAt().toEpochMilli())
          .thenComparing(RunRecord::id, RunCursor::compareUtf8)
          .thenComparing(RunRecord::schema, RunCursor::compareUtf8)
          .reversed();

  static RunCursor of(RunRecord run) {
    return new RunCursor(run.startedAt().toEpochMilli(), run.schema(), run.id());
  }

  /** Whether {@code run} comes after this cursor in history order. */
  boolean isBefore(RunRecord run) {
    long started = run.startedAt().toEpochMilli();
    if (started != startedAtMillis) {
      return started < startedAtMillis;
    }
    int byId = compareUtf8(run.id(), id);
    return byId != 0 ? byId < 0 : compareUtf8(run.schema(), schema) < 0;
  }

  String encode() {
    String plain = startedAtMillis + "\n" + schema + "\n" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  static RunCursor decode(String token) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = plain.split("\n", 3);
      if (parts.length == 3) {
        return new RunCursor(Long.parseLong(parts[0]), parts[1], parts[2]);
      }
    } catch (IllegalArgumentException e) {
      // Falls through to the error below; NumberFormatException is an IllegalArgumentException.
    }
    throw new IllegalArgumentException(
        "invalid run page token \"" + token + "\"; pass the nextPageToken of the previous page");
  }

  static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
