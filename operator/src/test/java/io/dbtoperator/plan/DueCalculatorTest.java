package io.dbtoperator.plan;

import static java.time.DayOfWeek.FRIDAY;
import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.SATURDAY;
import static java.time.DayOfWeek.SUNDAY;
import static java.time.DayOfWeek.THURSDAY;
import static java.time.DayOfWeek.TUESDAY;
import static java.time.DayOfWeek.WEDNESDAY;
import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.api.ViewChangePolicy;
import io.dbtoperator.state.SchemaState;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DueCalculatorTest {
  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  // A Saturday; 17:00 in Paris.
  private static final Instant NOW = Instant.parse("2026-11-21T16:00:00Z");

  private final DueCalculator calculator = new DueCalculator(Clock.fixed(NOW, ZoneOffset.UTC));
  private final Map<String, SchemaState> state = new HashMap<>();

  // --- cadences -------------------------------------------------------------------------------

  @Test
  void durationCadenceDueRefreshesSortedModelsAtTheClocksInstant() {
    state("raw", "2026-11-21T09:00:00Z", null, null);
    DueSchema raw = schema("raw", policy("PT6H"), List.of(), List.of("seed.p.a", "model.p.b"));

    DueResult result = calculator.due(List.of(raw), state, null);

    assertThat(result.at()).isEqualTo(NOW);
    assertThat(result.steps())
        .containsExactly(
            refresh(
                "raw",
                List.of("every PT6H: last refresh 2026-11-21T09:00:00Z"),
                List.of("model.p.b", "seed.p.a")));
    assertThat(result.nextDue()).containsExactly(Map.entry("raw", NOW));
  }

  @Test
  void schemaWithOnlySeedsIsNotRefreshed() {
    DueSchema raw = schema("raw", policy("PT6H"), List.of(), List.of());

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop("raw", List.of("no model to refresh: seeds are loaded on deploy only")));
    assertThat(result.nextDue()).isEmpty();
  }

  @Test
  void neverRefreshedSchemaIsDue() {
    DueSchema raw = schema("raw", policy("PT6H"), List.of(), List.of("model.p.z", "model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            refresh(
                "raw", List.of("every PT6H: never refreshed"), List.of("model.p.a", "model.p.z")));
    assertThat(result.nextDue()).containsExactly(Map.entry("raw", NOW));
  }

  @Test
  void durationCadenceNotDueYet() {
    state("raw", "2026-11-21T12:00:00Z", null, null);
    DueSchema raw = schema("raw", policy("PT6H"), List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "not due: every PT6H: last refresh 2026-11-21T12:00:00Z,"
                        + " due again 2026-11-21T18:00:00Z")));
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-21T18:00:00Z")));
  }

  @Test
  void cronCadenceInParisFiresAtLocalTime() {
    RefreshPolicy daily = policy(cron("0 6 * * *", PARIS), null, null, RefreshConditions.NONE);
    state("raw", "2026-11-20T05:00:00Z", null, null);
    DueSchema raw = schema("raw", daily, List.of(), List.of("model.p.a"));

    // 05:30 in Paris: today's 06:00 fire has not come yet.
    DueResult before = calculator.due(List.of(raw), state, Instant.parse("2026-11-21T04:30:00Z"));
    DueResult atFire = calculator.due(List.of(raw), state, Instant.parse("2026-11-21T05:00:00Z"));

    assertThat(before.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "not due: every 0 6 * * *: last refresh 2026-11-20T05:00:00Z,"
                        + " due again 2026-11-21T05:00:00Z")));
    assertThat(before.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-21T05:00:00Z")));
    assertThat(atFire.steps())
        .containsExactly(
            refresh(
                "raw",
                List.of("every 0 6 * * *: last refresh 2026-11-20T05:00:00Z"),
                List.of("model.p.a")));
  }

  @Test
  void cronNextDueFollowsDaylightSavingStart() {
    RefreshPolicy daily = policy(cron("0 6 * * *", PARIS), null, null, RefreshConditions.NONE);
    state("raw", "2026-03-28T05:00:00Z", null, null);
    DueSchema raw = schema("raw", daily, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, Instant.parse("2026-03-29T03:30:00Z"));

    assertThat(result.steps().get(0).action()).isEqualTo(Action.NOOP);
    // 06:00 CEST, not 05:00Z as the winter offset would give.
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-03-29T04:00:00Z")));
  }

  @Test
  void fullRefreshTakesPrecedenceOverIncrementalRefresh() {
    state("raw", "2026-11-21T09:00:00Z", "2026-11-14T09:00:00Z", null);
    RefreshPolicy policy = policy(duration("PT6H"), duration("P7D"), null, RefreshConditions.NONE);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            step(
                "raw",
                Action.FULL_REFRESH,
                List.of("fullRefreshEvery P7D: last full refresh 2026-11-14T09:00:00Z"),
                List.of("model.p.a"),
                List.of(),
                false));
  }

  @Test
  void neverFullyRefreshedSchemaGetsAFullRefresh() {
    state("raw", "2026-11-21T15:00:00Z", null, null);
    RefreshPolicy policy = policy(duration("PT6H"), duration("P7D"), null, RefreshConditions.NONE);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            step(
                "raw",
                Action.FULL_REFRESH,
                List.of("fullRefreshEvery P7D: never fully refreshed"),
                List.of("model.p.a"),
                List.of(),
                false));
  }

  @Test
  void nextDueIsTheEarlierOfBothCadences() {
    RefreshPolicy policy = policy(duration("PT6H"), duration("P7D"), null, RefreshConditions.NONE);
    state("early_incremental", "2026-11-21T12:00:00Z", "2026-11-15T10:00:00Z", null);
    state("early_full", "2026-11-21T15:00:00Z", "2026-11-14T17:00:00Z", null);
    DueSchema incremental = schema("early_incremental", policy, List.of(), List.of("model.p.a"));
    DueSchema full = schema("early_full", policy, List.of(), List.of("model.p.b"));

    DueResult result = calculator.due(List.of(incremental, full), state, NOW);

    assertThat(result.steps().get(1))
        .isEqualTo(
            noop(
                "early_full",
                List.of(
                    "not due: every PT6H: last refresh 2026-11-21T15:00:00Z,"
                        + " due again 2026-11-21T21:00:00Z",
                    "not due: fullRefreshEvery P7D: last full refresh 2026-11-14T17:00:00Z,"
                        + " due again 2026-11-21T17:00:00Z")));
    assertThat(result.nextDue())
        .containsExactly(
            Map.entry("early_incremental", Instant.parse("2026-11-21T18:00:00Z")),
            Map.entry("early_full", Instant.parse("2026-11-21T17:00:00Z")));
  }

  // --- conditions -----------------------------------------------------------------------------

  @Test
  void dayOfWeekOutsideTheAllowedDaysBlocksAndDefersToMonday() {
    Set<DayOfWeek> weekdays = Set.of(MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY);
    RefreshPolicy policy =
        policy(
            duration("PT6H"),
            null,
            null,
            new RefreshConditions(weekdays, null, null, PARIS, null, null));
    state("raw", "2026-11-21T09:00:00Z", null, null);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "every PT6H: last refresh 2026-11-21T09:00:00Z",
                    "not due: SATURDAY is not in daysOfWeek"
                        + " [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY] Europe/Paris")));
    // Monday 00:00 in Paris.
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-22T23:00:00Z")));
  }

  @Test
  void dayOfWeekIsTakenInTheConditionsTimeZone() {
    RefreshPolicy policy =
        policy(
            duration("PT6H"),
            null,
            null,
            new RefreshConditions(Set.of(SATURDAY), null, null, PARIS, null, null));
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));
    // Still Saturday in UTC, already Sunday 00:30 in Paris.
    Instant sundayInParis = Instant.parse("2026-11-21T23:30:00Z");

    DueResult result = calculator.due(List.of(raw), state, sundayInParis);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "every PT6H: never refreshed",
                    "not due: SUNDAY is not in daysOfWeek [SATURDAY] Europe/Paris")));
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-27T23:00:00Z")));
  }

  @Test
  void refreshInsideTheWindowRuns() {
    RefreshPolicy policy = windowed(LocalTime.of(6, 0), LocalTime.of(18, 0), PARIS);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            refresh("raw", List.of("every PT6H: never refreshed"), List.of("model.p.a")));
    assertThat(result.nextDue()).containsExactly(Map.entry("raw", NOW));
  }

  @Test
  void refreshOutsideTheWindowWaitsForTheNextWindowStart() {
    RefreshPolicy policy = windowed(LocalTime.of(6, 0), LocalTime.of(18, 0), PARIS);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));
    // 18:00 in Paris: the window's end is exclusive.
    Instant atWindowEnd = Instant.parse("2026-11-21T17:00:00Z");

    DueResult result = calculator.due(List.of(raw), state, atWindowEnd);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "every PT6H: never refreshed",
                    "not due: outside window 06:00-18:00 Europe/Paris")));
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-22T05:00:00Z")));
  }

  @Test
  void nextDueUnderAWindowWaitsForCadenceThenWindowOnAnAllowedDay() {
    RefreshPolicy policy =
        policy(
            duration("PT6H"),
            null,
            null,
            new RefreshConditions(
                Set.of(MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY),
                LocalTime.of(6, 0),
                LocalTime.of(18, 0),
                PARIS,
                null,
                null));
    // Due again at 20:00 Paris Saturday, outside the window and on a weekend.
    state("raw", "2026-11-21T13:00:00Z", null, null);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps().get(0).action()).isEqualTo(Action.NOOP);
    // Monday 06:00 in Paris.
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-23T05:00:00Z")));
  }

  @Test
  void nextDueInsideTheWindowIsTheCadenceInstantItself() {
    RefreshPolicy policy = windowed(LocalTime.of(6, 0), LocalTime.of(18, 0), PARIS);
    state("raw", "2026-11-21T08:00:00Z", null, null);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, Instant.parse("2026-11-21T10:00:00Z"));

    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-21T14:00:00Z")));
  }

  @Test
  void windowWrappingPastMidnight() {
    RefreshPolicy policy = windowed(LocalTime.of(22, 0), LocalTime.of(4, 0), null);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult afternoon = calculator.due(List.of(raw), state, NOW);
    DueResult lateEvening =
        calculator.due(List.of(raw), state, Instant.parse("2026-11-21T23:00:00Z"));
    DueResult earlyMorning =
        calculator.due(List.of(raw), state, Instant.parse("2026-11-22T03:59:00Z"));
    DueResult atEnd = calculator.due(List.of(raw), state, Instant.parse("2026-11-22T04:00:00Z"));

    assertThat(afternoon.steps())
        .containsExactly(
            noop(
                "raw",
                List.of("every PT6H: never refreshed", "not due: outside window 22:00-04:00 UTC")));
    assertThat(afternoon.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-21T22:00:00Z")));
    assertThat(lateEvening.steps().get(0).action()).isEqualTo(Action.REFRESH);
    assertThat(earlyMorning.steps().get(0).action()).isEqualTo(Action.REFRESH);
    assertThat(atEnd.steps().get(0).action()).isEqualTo(Action.NOOP);
    assertThat(atEnd.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-22T22:00:00Z")));
  }

  @Test
  void wrappingWindowOnAllowedDayOpensAtMidnight() {
    RefreshPolicy policy =
        policy(
            duration("PT6H"),
            null,
            null,
            new RefreshConditions(
                Set.of(SUNDAY), LocalTime.of(22, 0), LocalTime.of(4, 0), null, null, null));
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    // Saturday 23:00: inside the window, but not on an allowed day.
    DueResult result = calculator.due(List.of(raw), state, Instant.parse("2026-11-21T23:00:00Z"));

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "every PT6H: never refreshed",
                    "not due: SATURDAY is not in daysOfWeek [SUNDAY] UTC")));
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-22T00:00:00Z")));
  }

  @Test
  void minIntervalHoldsBackAnHourlyCron() {
    RefreshPolicy policy =
        policy(
            cron("0 * * * *", UTC),
            null,
            null,
            new RefreshConditions(Set.of(), null, null, null, Duration.ofHours(2), null));
    state("raw", "2026-11-21T15:00:00Z", null, null);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "every 0 * * * *: last refresh 2026-11-21T15:00:00Z",
                    "not due: minInterval PT2H since last refresh 2026-11-21T15:00:00Z,"
                        + " allowed from 2026-11-21T17:00:00Z")));
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-21T17:00:00Z")));
  }

  @Test
  void minIntervalPassedLetsTheRefreshRun() {
    RefreshPolicy policy =
        policy(
            cron("0 * * * *", UTC),
            null,
            null,
            new RefreshConditions(Set.of(), null, null, null, Duration.ofHours(2), null));
    state("raw", "2026-11-21T14:00:00Z", null, null);
    DueSchema raw = schema("raw", policy, List.of(), List.of("model.p.a"));

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            refresh(
                "raw",
                List.of("every 0 * * * *: last refresh 2026-11-21T14:00:00Z"),
                List.of("model.p.a")));
  }

  // --- upstream refreshed since ---------------------------------------------------------------

  @Test
  void upstreamRefreshedSinceTodaysThresholdInStateLetsTheSchemaRun() {
    state("raw", "2026-11-21T05:30:00Z", null, null);
    state("mart", "2026-11-21T10:00:00Z", null, null);
    List<DueSchema> schemas = upstreamChain(policy("P1D"));

    DueResult result = calculator.due(schemas, state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "not due: every P1D: last refresh 2026-11-21T05:30:00Z,"
                        + " due again 2026-11-22T05:30:00Z")),
            refresh(
                "mart",
                List.of("every PT1H: last refresh 2026-11-21T10:00:00Z"),
                List.of("model.p.mart"),
                List.of("raw")));
  }

  @Test
  void upstreamRefreshedEarlierInTheSameTickLetsTheSchemaRun() {
    state("raw", "2026-11-20T20:00:00Z", null, null);
    state("mart", "2026-11-21T10:00:00Z", null, null);
    List<DueSchema> schemas = upstreamChain(policy("PT6H"));

    DueResult result = calculator.due(schemas, state, NOW);

    assertThat(result.steps())
        .containsExactly(
            refresh(
                "raw",
                List.of("every PT6H: last refresh 2026-11-20T20:00:00Z"),
                List.of("model.p.raw")),
            refresh(
                "mart",
                List.of("every PT1H: last refresh 2026-11-21T10:00:00Z"),
                List.of("model.p.mart"),
                List.of("raw")));
  }

  @Test
  void upstreamNotRefreshedSinceTheThresholdBlocksButNotTheEstimate() {
    // 05:00 in Paris, before today's 06:00 threshold.
    state("raw", "2026-11-21T04:00:00Z", null, null);
    state("mart", "2026-11-21T10:00:00Z", null, null);
    List<DueSchema> schemas = upstreamChain(policy("P1D"));

    DueResult result = calculator.due(schemas, state, NOW);

    assertThat(result.steps().get(1))
        .isEqualTo(
            noop(
                "mart",
                List.of(
                    "every PT1H: last refresh 2026-11-21T10:00:00Z",
                    "not due: upstream raw not refreshed since 06:00 Europe/Paris"
                        + " (2026-11-21T05:00:00Z)"),
                List.of("raw")));
    assertThat(result.nextDue())
        .containsExactly(
            Map.entry("raw", Instant.parse("2026-11-22T04:00:00Z")), Map.entry("mart", NOW));
  }

  @Test
  void tickBeforeTheThresholdBlocksEvenWithFreshUpstream() {
    state("raw", "2026-11-21T04:10:00Z", null, null);
    List<DueSchema> schemas = upstreamChain(policy("P1D"));

    DueResult result = calculator.due(schemas, state, Instant.parse("2026-11-21T04:30:00Z"));

    assertThat(result.steps().get(1))
        .isEqualTo(
            noop(
                "mart",
                List.of(
                    "every PT1H: never refreshed",
                    "not due: upstreamRefreshedSince 06:00 Europe/Paris not reached yet today"
                        + " (2026-11-21T05:00:00Z)"),
                List.of("raw")));
  }

  @Test
  void viewOnlyUpstreamIsExemptFromTheThreshold() {
    DueSchema views =
        new DueSchema(
            "views",
            SchemaKind.ViewOnly,
            List.of(),
            policy("PT1H"),
            false,
            List.of("model.p.v"),
            List.of());
    DueSchema mart = schema("mart", upstreamPolicy(), List.of("views"), List.of("model.p.mart"));

    DueResult result = calculator.due(List.of(views, mart), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop("views", List.of("view-only: rebuilt on deploy only")),
            refresh(
                "mart",
                List.of("every PT1H: never refreshed"),
                List.of("model.p.mart"),
                List.of("views")));
    assertThat(result.nextDue()).containsExactly(Map.entry("mart", NOW));
  }

  // --- schemas that never refresh -------------------------------------------------------------

  @Test
  void viewOnlySuspendedAndCadenceLessSchemasAreNoops() {
    DueSchema views =
        new DueSchema(
            "views",
            SchemaKind.ViewOnly,
            List.of(),
            policy("PT1H"),
            false,
            List.of("model.p.v"),
            List.of("snapshot.p.v"));
    DueSchema paused =
        new DueSchema(
            "paused",
            SchemaKind.Materialized,
            List.of(),
            policy("PT1H"),
            true,
            List.of("model.p.p"),
            List.of("snapshot.p.p"));
    DueSchema manual = schema("manual", RefreshPolicy.NEVER, List.of(), List.of("model.p.m"));
    DueSchema unset = schema("unset", null, List.of(), List.of("model.p.u"));

    DueResult result = calculator.due(List.of(views, paused, manual, unset), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop("views", List.of("view-only: rebuilt on deploy only")),
            noop("paused", List.of("suspended")),
            noop("manual", List.of("no refresh cadence")),
            noop("unset", List.of("no refresh cadence")));
    assertThat(result.nextDue()).isEmpty();
  }

  // --- snapshots ------------------------------------------------------------------------------

  @Test
  void snapshotsRunLastOnTheirOwnCadence() {
    RefreshPolicy ownCadence = policy(duration("PT6H"), null, duration("P1D"), null);
    DueSchema raw =
        new DueSchema(
            "raw",
            SchemaKind.Materialized,
            List.of(),
            ownCadence,
            false,
            List.of("model.p.raw"),
            List.of("snapshot.p.z", "snapshot.p.a"));
    DueSchema mart =
        new DueSchema(
            "mart",
            SchemaKind.Materialized,
            List.of("raw"),
            policy("PT6H"),
            false,
            List.of("model.p.mart"),
            List.of("snapshot.p.m"));
    DueSchema stale =
        new DueSchema(
            "stale",
            SchemaKind.Materialized,
            List.of(),
            policy("PT6H"),
            false,
            List.of("model.p.s"),
            List.of("snapshot.p.s"));
    state("raw", "2026-11-21T12:00:00Z", null, null);
    // Snapshots inherit `every` (PT6H): last run 2h ago, not due.
    state("mart", "2026-11-21T09:00:00Z", null, "2026-11-21T14:00:00Z");
    state("stale", "2026-11-21T15:00:00Z", null, "2026-11-21T01:00:00Z");

    DueResult result = calculator.due(List.of(raw, mart, stale), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "not due: every PT6H: last refresh 2026-11-21T12:00:00Z,"
                        + " due again 2026-11-21T18:00:00Z")),
            refresh(
                "mart",
                List.of("every PT6H: last refresh 2026-11-21T09:00:00Z"),
                List.of("model.p.mart"),
                List.of("raw")),
            noop(
                "stale",
                List.of(
                    "not due: every PT6H: last refresh 2026-11-21T15:00:00Z,"
                        + " due again 2026-11-21T21:00:00Z")),
            step(
                "raw",
                Action.REFRESH,
                List.of("snapshots every P1D: never run"),
                List.of("snapshot.p.a", "snapshot.p.z"),
                List.of(),
                true),
            step(
                "stale",
                Action.REFRESH,
                List.of("snapshots every PT6H: last run 2026-11-21T01:00:00Z"),
                List.of("snapshot.p.s"),
                List.of(),
                true));
  }

  @Test
  void snapshotsObeyTheConditions() {
    RefreshPolicy policy =
        policy(
            duration("PT6H"),
            null,
            duration("P1D"),
            new RefreshConditions(
                Set.of(), LocalTime.of(22, 0), LocalTime.of(4, 0), PARIS, null, null));
    DueSchema raw =
        new DueSchema(
            "raw",
            SchemaKind.Materialized,
            List.of(),
            policy,
            false,
            List.of("model.p.raw"),
            List.of("snapshot.p.a"));
    state("raw", "2026-11-21T15:00:00Z", null, "2026-11-19T23:00:00Z");

    DueResult result = calculator.due(List.of(raw), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            noop(
                "raw",
                List.of(
                    "not due: every PT6H: last refresh 2026-11-21T15:00:00Z,"
                        + " due again 2026-11-21T21:00:00Z")),
            step(
                "raw",
                Action.NOOP,
                List.of(
                    "snapshots every P1D: last run 2026-11-19T23:00:00Z",
                    "not due: outside window 22:00-04:00 Europe/Paris"),
                List.of(),
                List.of(),
                true));
    assertThat(result.nextDue())
        .containsExactly(Map.entry("raw", Instant.parse("2026-11-21T21:00:00Z")));
  }

  // --- project-level override -----------------------------------------------------------------

  @Test
  void effectiveRefreshPrefersOverrideThenSchemaThenDefaults() {
    RefreshPolicy own = policy("P1D");
    RefreshPolicy defaults = policy("PT12H");
    RefreshPolicy override = policy("PT1H");
    Map<String, SchemaPolicy> schemas =
        Map.of(
            "MART", new SchemaPolicy("MART", null, own, Map.of(), null, false),
            "raw", new SchemaPolicy("raw", null, null, Map.of(), null, false));
    OperatorConfig withoutOverride =
        new OperatorConfig(ViewChangePolicy.DeployDependents, null, defaults, schemas);
    OperatorConfig withOverride =
        new OperatorConfig(ViewChangePolicy.DeployDependents, override, defaults, schemas);

    assertThat(withoutOverride.effectiveRefresh("mart")).isEqualTo(own);
    assertThat(withoutOverride.effectiveRefresh("raw")).isEqualTo(defaults);
    assertThat(withoutOverride.effectiveRefresh("other")).isEqualTo(defaults);
    assertThat(withOverride.effectiveRefresh("mart")).isEqualTo(override);
    assertThat(withOverride.effectiveRefresh("other")).isEqualTo(override);
    assertThat(OperatorConfig.EMPTY.effectiveRefresh("mart")).isEqualTo(RefreshPolicy.NEVER);
  }

  @Test
  void projectLevelOverrideDrivesTheTick() {
    Map<String, SchemaPolicy> schemas =
        Map.of("mart", new SchemaPolicy("mart", null, policy("P1D"), Map.of(), null, false));
    OperatorConfig config =
        new OperatorConfig(
            ViewChangePolicy.DeployDependents, policy("PT1H"), RefreshPolicy.NEVER, schemas);
    state("mart", "2026-11-21T14:00:00Z", null, null);
    DueSchema mart =
        schema("mart", config.effectiveRefresh("mart"), List.of(), List.of("model.p.mart"));

    DueResult result = calculator.due(List.of(mart), state, NOW);

    assertThat(result.steps())
        .containsExactly(
            refresh(
                "mart",
                List.of("every PT1H: last refresh 2026-11-21T14:00:00Z"),
                List.of("model.p.mart")));
  }

  // --- helpers --------------------------------------------------------------------------------

  /** raw (cadence as given) feeds mart, which runs hourly once raw has refreshed since 06:00. */
  private List<DueSchema> upstreamChain(RefreshPolicy rawPolicy) {
    return List.of(
        schema("raw", rawPolicy, List.of(), List.of("model.p.raw")),
        schema("mart", upstreamPolicy(), List.of("raw"), List.of("model.p.mart")));
  }

  private static RefreshPolicy upstreamPolicy() {
    return policy(
        duration("PT1H"),
        null,
        null,
        new RefreshConditions(Set.of(), null, null, PARIS, null, LocalTime.of(6, 0)));
  }

  private static RefreshPolicy windowed(LocalTime start, LocalTime end, ZoneId zone) {
    return policy(
        duration("PT6H"),
        null,
        null,
        new RefreshConditions(Set.of(), start, end, zone, null, null));
  }

  private void state(
      String schema, String lastRefresh, String lastFullRefresh, String lastSnapshot) {
    state.put(
        schema,
        new SchemaState(
            "ns/project",
            schema,
            "abc123",
            instant(lastRefresh),
            instant(lastFullRefresh),
            instant(lastSnapshot),
            1));
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }

  private static Cadence duration(String expression) {
    return Cadence.parse(expression, UTC, "spec.refresh.every");
  }

  private static Cadence cron(String expression, ZoneId zone) {
    return Cadence.parse(expression, zone, "spec.refresh.every");
  }

  private static RefreshPolicy policy(String every) {
    return policy(duration(every), null, null, RefreshConditions.NONE);
  }

  private static RefreshPolicy policy(
      Cadence every, Cadence full, Cadence snapshots, RefreshConditions conditions) {
    return new RefreshPolicy(every, full, snapshots, conditions);
  }

  private static DueSchema schema(
      String name, RefreshPolicy refresh, List<String> upstream, List<String> models) {
    return new DueSchema(
        name, SchemaKind.Materialized, upstream, refresh, false, models, List.of());
  }

  private static PlanStep refresh(String schema, List<String> reasons, List<String> models) {
    return refresh(schema, reasons, models, List.of());
  }

  private static PlanStep refresh(
      String schema, List<String> reasons, List<String> models, List<String> dependsOn) {
    return step(schema, Action.REFRESH, reasons, models, dependsOn, false);
  }

  private static PlanStep noop(String schema, List<String> reasons) {
    return noop(schema, reasons, List.of());
  }

  private static PlanStep noop(String schema, List<String> reasons, List<String> dependsOn) {
    return step(schema, Action.NOOP, reasons, List.of(), dependsOn, false);
  }

  private static PlanStep step(
      String schema,
      Action action,
      List<String> reasons,
      List<String> models,
      List<String> dependsOn,
      boolean snapshotsOnly) {
    return new PlanStep(schema, action, reasons, models, dependsOn, null, null, snapshotsOnly);
  }
}
