package io.dbtoperator.plan;

import java.time.Instant;

/** A refresh cadence: an ISO-8601 duration ("PT6H") or a 5-field cron expression ("0 6 * * *"). */
public interface Cadence {

  /** The text the cadence was parsed from. */
  String expression();

  /**
   * Whether a refresh last completed at {@code last} (null: never) is due again at {@code at}.
   */
  boolean isDue(Instant last, Instant at);

  /** The earliest instant after {@code last} at which the cadence is due again; now if never run. */
  Instant nextDue(Instant last, Instant now);
}
