package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.time.DayOfWeek;
import java.util.List;

/** When a materialized schema is refreshed; the wire form of plan.RefreshPolicy. */
public record RefreshSpec(
    @JsonPropertyDescription(
            "Incremental refresh cadence: an ISO-8601 duration since the last refresh (e.g."
                + " PT6H) or a 5-field cron expression evaluated in timeZone (e.g. \"0 6 * * *\")."
                + " Absent: never refreshed on a schedule.")
        String every,
    @JsonPropertyDescription(
            "Cadence of refreshes run with --full-refresh, as an ISO-8601 duration or 5-field"
                + " cron expression. Absent: never.")
        String fullRefreshEvery,
    @JsonPropertyDescription(
            "Cadence of the schema's dbt snapshots, as an ISO-8601 duration or 5-field cron"
                + " expression. Absent: the same as every.")
        String snapshotEvery,
    @JsonPropertyDescription(
            "IANA time zone (e.g. Europe/Paris) for cron cadences, days of week and windows."
                + " Default UTC.")
        String timeZone,
    @JsonPropertyDescription(
            "Conditions that must all hold for a due refresh to start; a refresh that is due"
                + " but blocked starts at the first tick where they hold.")
        Conditions conditions) {

  /** Conditions gating the start of a due refresh. */
  public record Conditions(
      @JsonPropertyDescription("Days of the week (in timeZone) on which refreshes may start.")
          List<DayOfWeek> daysOfWeek,
      @JsonPropertyDescription("Daily window of time (in timeZone) in which refreshes may start.")
          Window window,
      @JsonPropertyDescription(
              "Minimum time since the schema's last refresh, as an ISO-8601 duration (e.g."
                  + " PT4H).")
          String minInterval,
      @Pattern(Identifiers.TIME_OF_DAY)
          @JsonPropertyDescription(
              "\"HH:mm\" (in timeZone): every upstream schema must have completed a refresh"
                  + " since this time today, or be refreshed earlier in the same tick.")
          String upstreamRefreshedSince) {}

  /** A daily start-time window, which may wrap past midnight (e.g. 22:00 to 04:00). */
  public record Window(
      @Pattern(Identifiers.TIME_OF_DAY)
          @JsonPropertyDescription("Start of the window, \"HH:mm\", inclusive.")
          String start,
      @Pattern(Identifiers.TIME_OF_DAY)
          @JsonPropertyDescription("End of the window, \"HH:mm\", exclusive.")
          String end) {}
}
