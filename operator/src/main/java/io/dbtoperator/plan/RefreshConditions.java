package io.dbtoperator.plan;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;

/**
 * Conditions that must all hold for a due refresh to start. Null or empty fields impose nothing.
 *
 * @param daysOfWeek days (in timeZone) on which refreshes may start
 * @param windowStart start of the daily start-time window (in timeZone), inclusive
 * @param windowEnd end of the window, exclusive; a window may wrap past midnight
 * @param timeZone zone for days and windows; UTC when null
 * @param minInterval minimum time since the schema's last refresh
 * @param upstreamRefreshedSince every upstream schema must have completed a refresh since this time
 *     of day today (in timeZone), or be refreshed earlier in the same tick
 */
public record RefreshConditions(
    Set<DayOfWeek> daysOfWeek,
    LocalTime windowStart,
    LocalTime windowEnd,
    ZoneId timeZone,
    Duration minInterval,
    LocalTime upstreamRefreshedSince) {

  public static final RefreshConditions NONE =
      new RefreshConditions(Set.of(), null, null, null, null, null);

  static final ZoneId UTC = ZoneId.of("UTC");

  /** The zone days and windows are evaluated in. */
  public ZoneId zoneOrUtc() {
    return timeZone == null ? UTC : timeZone;
  }

  /**
   * Parses a time zone id from a spec; UTC when absent.
   *
   * @param field the spec path named in errors, e.g. "spec.refresh.timeZone"
   */
  public static ZoneId zone(String id, String field) {
    if (id == null || id.isBlank()) {
      return UTC;
    }
    try {
      return ZoneId.of(id.trim());
    } catch (DateTimeException e) {
      throw new PlanException(field + ": unknown time zone \"" + id.trim() + "\"");
    }
  }
}
