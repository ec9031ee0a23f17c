package io.dbtoperator.plan;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * Due when a fire time of the cron expression lies after the last refresh. A tick that comes late
 * still runs the missed refresh once, rather than waiting for the next fire time.
 */
public final class CronCadence implements Cadence {
  private static final CronParser UNIX_CRON =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime executionTime;

  private CronCadence(String expression, ZoneId zone, ExecutionTime executionTime) {
    this.expression = expression;
    this.zone = zone;
    this.executionTime = executionTime;
  }

  static CronCadence parse(String expression, ZoneId zone, String field) {
    if (expression.split("\\s+").length != 5) {
      throw new PlanException(
          field
              + ": \""
              + expression
              + "\" is neither an ISO-8601 duration nor a 5-field cron expression");
    }
    ExecutionTime executionTime;
    try {
      executionTime = ExecutionTime.forCron(UNIX_CRON.parse(expression).validate());
    } catch (IllegalArgumentException e) {
      // cron-utils prefixes every message with this; the PlanException already says as much.
      String detail =
          String.valueOf(e.getMessage()).replace("Failed to parse cron expression. ", "");
      throw new PlanException(
          field + ": \"" + expression + "\" is not a valid cron expression: " + detail, e);
    }
    // A date that does not exist (31 February) parses, but would only fail when a tick asks for
    // the next fire time. 28 years cover every combination of weekday and leap year.
    ZonedDateTime from = ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, zone);
    boolean fires =
        executionTime
            .nextExecution(from)
            .filter(next -> next.isBefore(from.plusYears(28)))
            .isPresent();
    if (!fires) {
      throw new PlanException(field + ": \"" + expression + "\" never fires");
    }
    return new CronCadence(expression, zone, executionTime);
  }

  @Override
  public String expression() {
    return expression;
  }

  public ZoneId zone() {
    return zone;
  }

  @Override
  public boolean isDue(Instant last, Instant at) {
    if (last == null) {
      return true;
    }
    // lastExecution is strictly before its argument; a fire time equal to `at` counts as past.
    return executionTime
        .lastExecution(ZonedDateTime.ofInstant(at.plusSeconds(1), zone))
        .map(fire -> fire.toInstant().isAfter(last))
        .orElse(false);
  }

  @Override
  public Instant nextDue(Instant last, Instant now) {
    if (last == null) {
      return now;
    }
    return executionTime
        .nextExecution(ZonedDateTime.ofInstant(last, zone))
        .map(ZonedDateTime::toInstant)
        .orElseThrow(
            () -> new PlanException("cron \"" + expression + "\" has no fire time after " + last));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CronCadence that
        && expression.equals(that.expression)
        && zone.equals(that.zone);
  }

  @Override
  public int hashCode() {
    return expression.hashCode() * 31 + zone.hashCode();
  }

  @Override
  public String toString() {
    return "CronCadence[" + expression + " " + zone + "]";
  }
}
