package io.dbtoperator.plan;

import java.time.Duration;
import java.time.Instant;

/** Due once {@code interval} has passed since the last refresh. */
public record DurationCadence(String expression, Duration interval) implements Cadence {

  @Override
  public boolean isDue(Instant last, Instant at) {
    return last == null || !at.isBefore(last.plus(interval));
  }

  @Override
  public Instant nextDue(Instant last, Instant now) {
    return last == null ? now : last.plus(interval);
  }
}
