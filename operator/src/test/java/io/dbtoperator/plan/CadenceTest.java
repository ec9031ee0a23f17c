package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CadenceTest {
  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

  @Test
  void durationIsDueOnceTheIntervalHasPassed() {
    Cadence cadence = Cadence.parse(" PT6H ", UTC, "spec.refresh.every");

    assertThat(cadence).isEqualTo(new DurationCadence("PT6H", Duration.ofHours(6)));
    Instant last = Instant.parse("2026-11-21T00:00:00Z");
    assertThat(cadence.isDue(last, Instant.parse("2026-11-21T05:59:59Z"))).isFalse();
    assertThat(cadence.isDue(last, Instant.parse("2026-11-21T06:00:00Z"))).isTrue();
    assertThat(cadence.isDue(null, last)).isTrue();
    assertThat(cadence.nextDue(last, Instant.parse("2026-11-21T01:00:00Z")))
        .isEqualTo(Instant.parse("2026-11-21T06:00:00Z"));
    assertThat(cadence.nextDue(null, last)).isEqualTo(last);
  }

  @Test
  void cronFiresAtLocalTimeInItsZoneAcrossDaylightSavingStart() {
    Cadence cadence = Cadence.parse("0 6 * * *", PARIS, "spec.refresh.every");
    // 06:00 in Paris is 05:00Z in winter (CET) and 04:00Z from 2026-03-29 on (CEST).
    Instant lastWinterRun = Instant.parse("2026-03-28T05:00:00Z");

    assertThat(cadence.nextDue(lastWinterRun, lastWinterRun))
        .isEqualTo(Instant.parse("2026-03-29T04:00:00Z"));
    assertThat(cadence.isDue(lastWinterRun, Instant.parse("2026-03-29T03:59:59Z"))).isFalse();
    assertThat(cadence.isDue(lastWinterRun, Instant.parse("2026-03-29T04:00:00Z"))).isTrue();
  }

  @Test
  void cronAcrossDaylightSavingEnd() {
    Cadence cadence = Cadence.parse("0 6 * * *", PARIS, "spec.refresh.every");
    Instant lastSummerRun = Instant.parse("2026-10-24T04:00:00Z");

    assertThat(cadence.nextDue(lastSummerRun, lastSummerRun))
        .isEqualTo(Instant.parse("2026-10-25T05:00:00Z"));
    assertThat(cadence.isDue(lastSummerRun, Instant.parse("2026-10-25T04:00:00Z"))).isFalse();
  }

  @Test
  void lateTickRunsAMissedCronFireOnce() {
    Cadence cadence = Cadence.parse("0 * * * *", UTC, "spec.refresh.every");
    Instant last = Instant.parse("2026-11-21T10:00:00Z");

    assertThat(cadence.isDue(last, Instant.parse("2026-11-21T13:30:00Z"))).isTrue();
    assertThat(
            cadence.isDue(
                Instant.parse("2026-11-21T13:10:00Z"), Instant.parse("2026-11-21T13:30:00Z")))
        .isFalse();
  }

  @Test
  void cronOutOfRangeValueIsRejected() {
    assertThatThrownBy(() -> Cadence.parse("61 * * * *", UTC, "spec.refresh.every"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "spec.refresh.every: \"61 * * * *\" is not a valid cron expression:"
                + " Value 61 not in range [0, 59]");
  }

  @Test
  void cronWithTooFewFieldsIsRejected() {
    assertThatThrownBy(() -> Cadence.parse("* * *", UTC, "spec.refresh.fullRefreshEvery"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "spec.refresh.fullRefreshEvery: \"* * *\" is neither an ISO-8601 duration nor a"
                + " 5-field cron expression");
  }

  @Test
  void malformedDurationIsRejected() {
    assertThatThrownBy(() -> Cadence.parse("PT6X", UTC, "spec.refresh.every"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "spec.refresh.every: \"PT6X\" is not an ISO-8601 duration (examples: PT30M, PT6H, P1D)");
  }

  @Test
  void zeroDurationIsRejected() {
    assertThatThrownBy(() -> Cadence.parse("P0D", UTC, "spec.refresh.every"))
        .isInstanceOf(PlanException.class)
        .hasMessage("spec.refresh.every: \"P0D\" must be a positive duration");
  }

  @Test
  void negativeDurationIsRejectedAsADuration() {
    assertThatThrownBy(() -> Cadence.parse("-PT1H", UTC, "spec.refresh.snapshotEvery"))
        .isInstanceOf(PlanException.class)
        .hasMessage("spec.refresh.snapshotEvery: \"-PT1H\" must be a positive duration");
  }

  @Test
  void emptyCadenceIsRejected() {
    assertThatThrownBy(() -> Cadence.parse("  ", UTC, "spec.refresh.every"))
        .isInstanceOf(PlanException.class)
        .hasMessage("spec.refresh.every: must not be empty");
  }

  @Test
  void timeZoneIsParsedOrRejectedNamingTheField() {
    assertThat(RefreshConditions.zone("Europe/Paris", "spec.refresh.timeZone")).isEqualTo(PARIS);
    assertThat(RefreshConditions.zone(null, "spec.refresh.timeZone")).isEqualTo(UTC);
    assertThatThrownBy(() -> RefreshConditions.zone("Mars/Olympus", "spec.refresh.timeZone"))
        .isInstanceOf(PlanException.class)
        .hasMessage("spec.refresh.timeZone: unknown time zone \"Mars/Olympus\"");
    assertThatThrownBy(() -> RefreshConditions.zone("+25:00", "refresh.timeZone"))
        .isInstanceOf(PlanException.class)
        .hasMessage("refresh.timeZone: unknown time zone \"+25:00\"");
  }

  @Test
  void cronThatNeverFiresIsRejectedWhenParsed() {
    assertThatThrownBy(() -> Cadence.parse("0 0 31 2 *", UTC, "schemas[0].refresh.every"))
        .isInstanceOf(PlanException.class)
        .hasMessage("schemas[0].refresh.every: \"0 0 31 2 *\" never fires");
    assertThat(Cadence.parse("0 0 29 2 *", UTC, "spec.refresh.every").expression())
        .as("29 February fires in leap years")
        .isEqualTo("0 0 29 2 *");
  }
}
