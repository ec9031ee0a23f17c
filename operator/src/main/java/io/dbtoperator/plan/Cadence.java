package io.dbtoperator.plan;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** A refresh cadence: an ISO-8601 duration ("PT6H") or a 5-field cron expression ("0 6 * * *"). */
public interface Cadence {

  /** The text the cadence was parsed from. */
  String expression();

  /** Whether a refresh last completed at {@code last} (null: never) is due again at {@code at}. */
  boolean isDue(Instant last, Instant at);

  /**
   * The earliest instant at which a refresh last completed at {@code last} is due again; {@code
   * now} when it never ran. The result may lie before {@code now} for an overdue schema.
   */
  Instant nextDue(Instant last, Instant now);

  /**
   * Parses a cadence.
   *
   * @param zone zone in which cron expressions are evaluated
   * @param field the spec path named in errors, e.g. "spec.refresh.every"
   */
  static Cadence parse(String expression, ZoneId zone, String field) {
    if (expression == null || expression.isBlank()) {
      throw new PlanException(field + ": must not be empty");
    }
    String text = expression.trim();
    // A signed duration ("-PT1H") is still meant as a duration, so it gets the duration error.
    String unsigned = text.startsWith("-") || text.startsWith("+") ? text.substring(1) : text;
    if (unsigned.toUpperCase(Locale.ROOT).startsWith("P")) {
      Duration duration;
      try {
        duration = Duration.parse(text);
      } catch (DateTimeParseException e) {
        throw new PlanException(
            field + ": \"" + text + "\" is not an ISO-8601 duration (examples: PT30M, PT6H, P1D)");
      }
      if (duration.isZero() || duration.isNegative()) {
        throw new PlanException(field + ": \"" + text + "\" must be a positive duration");
      }
      return new DurationCadence(text, duration);
    }
    return CronCadence.parse(text, zone, field);
  }
}
