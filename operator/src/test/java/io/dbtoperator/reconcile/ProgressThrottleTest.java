package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtSchemaStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProgressThrottleTest {
  private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

  private static DbtSchemaStatus building(String message, String phase) {
    return new DbtSchemaStatus(
        1L,
        Conditions.of(
            phase.equals("Ready") ? Conditions.State.READY : Conditions.State.RECONCILING,
            phase,
            message,
            1L,
            null,
            T0),
        phase,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void progressIsWrittenAtMostOncePerInterval() {
    ProgressThrottle throttle = new ProgressThrottle();
    DbtSchemaStatus start = building("building: 0 models done", "Building");

    assertThat(
            throttle.shouldWrite("a/x", start, building("building: 1 models done", "Building"), T0))
        .isTrue();
    assertThat(
            throttle.shouldWrite(
                "a/x",
                building("building: 1 models done", "Building"),
                building("building: 2 models done", "Building"),
                T0.plusSeconds(2)))
        .isFalse();
    assertThat(
            throttle.shouldWrite(
                "a/x",
                building("building: 1 models done", "Building"),
                building("building: 3 models done", "Building"),
                T0.plus(ProgressThrottle.INTERVAL)))
        .isTrue();
  }

  @Test
  void anyOtherChangeIsWrittenAtOnceAndSchemasAreThrottledApart() {
    ProgressThrottle throttle = new ProgressThrottle();
    DbtSchemaStatus one = building("building: 1 models done", "Building");
    DbtSchemaStatus two = building("building: 2 models done", "Building");
    assertThat(throttle.shouldWrite("a/x", one, two, T0)).isTrue();

    assertThat(throttle.shouldWrite("a/y", one, two, T0.plusSeconds(1))).isTrue();
    assertThat(
            throttle.shouldWrite("a/x", two, building("live at abc", "Ready"), T0.plusSeconds(1)))
        .isTrue();
    assertThat(throttle.shouldWrite("a/x", null, two, T0.plusSeconds(1))).isTrue();
  }

  @Test
  void onlyConditionMessagesCountAsProgress() {
    assertThat(
            ProgressThrottle.onlyMessagesDiffer(
                building("a", "Building"), building("b", "Building")))
        .isTrue();
    assertThat(
            ProgressThrottle.onlyMessagesDiffer(building("a", "Building"), building("a", "Ready")))
        .isFalse();
  }
}
