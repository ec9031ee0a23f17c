package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.state.SchemaState;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Works out, at one tick of the external clock, which schemas are due for a refresh and in which
 * order they run: model refreshes in dependency order, then the snapshot runs.
 */
public final class DueCalculator {
  static final String VIEW_ONLY = "view-only: rebuilt on deploy only";
  static final String SUSPENDED = "suspended";
  static final String NO_CADENCE = "no refresh cadence";
  static final String NO_MODELS = "no model to refresh: seeds are loaded on deploy only";

  // A week of days plus one covers every day-of-week and window combination that can ever open.
  private static final int SEARCH_DAYS = 8;

  private final Clock clock;

  public DueCalculator(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param schemas in dependency order, upstream first
   * @param state live state by schema name; a missing schema has never been refreshed
   * @param at the tick's instant; null for the clock's
   */
  public DueResult due(List<DueSchema> schemas, Map<String, SchemaState> state, Instant at) {
    Instant tick = at == null ? clock.instant() : at;
    Map<String, SchemaState> stateByName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (state != null) {
      stateByName.putAll(state);
    }
    Tick context = new Tick(tick, stateByName, schemas);

    List<PlanStep> steps = new ArrayList<>();
    Map<String, Instant> nextDue = new LinkedHashMap<>();
    for (DueSchema schema : schemas) {
      PlanStep step = modelStep(schema, context);
      steps.add(step);
      if (step.action() != Action.NOOP) {
        context.refreshed.add(schema.name());
      }
      nextDue(schema, context).ifPresent(instant -> nextDue.put(schema.name(), instant));
    }
    for (DueSchema schema : schemas) {
      snapshotStep(schema, context).ifPresent(steps::add);
    }
    return new DueResult(tick, steps, nextDue);
  }

  /** What is known while one tick is being worked out. */
  private static final class Tick {
    final Instant at;
    final Map<String, SchemaState> state;
    final Map<String, DueSchema> schemas = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    // Schemas refreshed by a step already decided in this tick; they run before later steps.
    final Set<String> refreshed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    Tick(Instant at, Map<String, SchemaState> state, List<DueSchema> schemas) {
      this.at = at;
      this.state = state;
      schemas.forEach(schema -> this.schemas.put(schema.name(), schema));
    }

    SchemaState stateOf(String schema) {
      SchemaState found = state.get(schema);
      return found == null ? SchemaState.absent(null, schema) : found;
    }
  }

  private PlanStep modelStep(DueSchema schema, Tick tick) {
    if (schema.kind() == SchemaKind.ViewOnly) {
      return noop(schema, List.of(VIEW_ONLY), false);
    }
    if (schema.suspend()) {
      return noop(schema, List.of(SUSPENDED), false);
    }
    if (schema.models().isEmpty()) {
      return noop(schema, List.of(NO_MODELS), false);
    }
    RefreshPolicy policy = schema.refresh();
    if (!hasModelCadence(policy)) {
      return noop(schema, List.of(NO_CADENCE), false);
    }
    SchemaState state = tick.stateOf(schema.name());
    Cadence every = policy.every();
    Cadence full = policy.fullRefreshEvery();

    Action action;
    String reason;
    if (full != null && full.isDue(state.lastFullRefresh(), tick.at)) {
      action = Action.FULL_REFRESH;
      reason =
          "fullRefreshEvery "
              + full.expression()
              + ": "
              + since(state.lastFullRefresh(), "last full refresh ", "never fully refreshed");
    } else if (every != null && every.isDue(state.lastRefresh(), tick.at)) {
      action = Action.REFRESH;
      reason =
          "every "
              + every.expression()
              + ": "
              + since(state.lastRefresh(), "last refresh ", "never refreshed");
    } else {
      List<String> reasons = new ArrayList<>();
      if (every != null) {
        reasons.add(notDue("every", every, state.lastRefresh(), "last refresh ", tick.at));
      }
      if (full != null) {
        reasons.add(
            notDue(
                "fullRefreshEvery", full, state.lastFullRefresh(), "last full refresh ", tick.at));
      }
      return noop(schema, reasons, false);
    }

    List<String> blocked =
        blockingConditions(schema, conditionsOf(policy), state.lastRefresh(), "last refresh", tick);
    if (!blocked.isEmpty()) {
      List<String> reasons = new ArrayList<>();
      reasons.add(reason);
      reasons.addAll(blocked);
      return noop(schema, reasons, false);
    }
    return new PlanStep(
        schema.name(),
        action,
        List.of(reason),
        sorted(schema.models()),
        schema.upstream(),
        null,
        null,
        false);
  }

  /**
   * Snapshots run after every model step of the tick, so any upstream refreshed in this tick counts
   * for them, wherever it stands in the order.
   */
  private Optional<PlanStep> snapshotStep(DueSchema schema, Tick tick) {
    RefreshPolicy policy = schema.refresh();
    if (schema.kind() == SchemaKind.ViewOnly
        || schema.suspend()
        || schema.snapshots().isEmpty()
        || policy == null) {
      return Optional.empty();
    }
    Cadence cadence = policy.snapshotEvery() != null ? policy.snapshotEvery() : policy.every();
    SchemaState state = tick.stateOf(schema.name());
    if (cadence == null || !cadence.isDue(state.lastSnapshot(), tick.at)) {
      return Optional.empty();
    }
    String reason =
        "snapshots every "
            + cadence.expression()
            + ": "
            + since(state.lastSnapshot(), "last run ", "never run");
    List<String> blocked =
        blockingConditions(
            schema, conditionsOf(policy), state.lastSnapshot(), "last snapshot run", tick);
    if (!blocked.isEmpty()) {
      List<String> reasons = new ArrayList<>();
      reasons.add(reason);
      reasons.addAll(blocked);
      return Optional.of(noop(schema, reasons, true));
    }
    return Optional.of(
        new PlanStep(
            schema.name(),
            Action.REFRESH,
            List.of(reason),
            sorted(schema.snapshots()),
            schema.upstream(),
            null,
            null,
            true));
  }

  /** The reasons, one per failing condition, why a due refresh may not start at the tick. */
  private static List<String> blockingConditions(
      DueSchema schema, RefreshConditions conditions, Instant last, String lastLabel, Tick tick) {
    List<String> blocked = new ArrayList<>();
    ZoneId zone = conditions.zoneOrUtc();
    ZonedDateTime local = tick.at.atZone(zone);
    if (!dayAllowed(conditions, local.getDayOfWeek())) {
      blocked.add(
          "not due: "
              + local.getDayOfWeek()
              + " is not in daysOfWeek "
              + new TreeSet<>(conditions.daysOfWeek())
              + " "
              + zone);
    }
    if (!inWindow(conditions, local.toLocalTime())) {
      blocked.add("not due: outside window " + windowText(conditions) + " " + zone);
    }
    Duration minInterval = conditions.minInterval();
    if (minInterval != null && last != null && tick.at.isBefore(last.plus(minInterval))) {
      blocked.add(
          "not due: minInterval "
              + minInterval
              + " since "
              + lastLabel
              + " "
              + last
              + ", allowed from "
              + last.plus(minInterval));
    }
    LocalTime since = conditions.upstreamRefreshedSince();
    if (since != null && !schema.upstream().isEmpty()) {
      Instant threshold = ZonedDateTime.of(local.toLocalDate(), since, zone).toInstant();
      if (tick.at.isBefore(threshold)) {
        blocked.add(
            "not due: upstreamRefreshedSince "
                + since
                + " "
                + zone
                + " not reached yet today ("
                + threshold
                + ")");
      } else {
        List<String> stale =
            schema.upstream().stream()
                .filter(upstream -> !upstreamFresh(upstream, threshold, tick))
                .toList();
        if (!stale.isEmpty()) {
          blocked.add(
              "not due: upstream "
                  + String.join(", ", stale)
                  + " not refreshed since "
                  + since
                  + " "
                  + zone
                  + " ("
                  + threshold
                  + ")");
        }
      }
    }
    return blocked;
  }

  private static boolean upstreamFresh(String upstream, Instant threshold, Tick tick) {
    DueSchema known = tick.schemas.get(upstream);
    // View-only schemas are never refreshed, so waiting for them would block forever.
    if (known != null && known.kind() == SchemaKind.ViewOnly) {
      return true;
    }
    if (tick.refreshed.contains(upstream)) {
      return true;
    }
    Instant lastRefresh = tick.stateOf(upstream).lastRefresh();
    return lastRefresh != null && !lastRefresh.isBefore(threshold);
  }

  /**
   * The earliest instant at or after the tick at which a refresh is due and the day, window and
   * minimum-interval conditions let it start. Being due and the minimum interval only ever become
   * true as time passes, so the answer is the first instant the day and window allow from the
   * latest of those.
   */
  private static Optional<Instant> nextDue(DueSchema schema, Tick tick) {
    RefreshPolicy policy = schema.refresh();
    if (schema.kind() == SchemaKind.ViewOnly
        || schema.suspend()
        || schema.models().isEmpty()
        || !hasModelCadence(policy)) {
      return Optional.empty();
    }
    SchemaState state = tick.stateOf(schema.name());
    Instant due = null;
    if (policy.every() != null) {
      due = earliest(due, policy.every().nextDue(state.lastRefresh(), tick.at));
    }
    if (policy.fullRefreshEvery() != null) {
      due = earliest(due, policy.fullRefreshEvery().nextDue(state.lastFullRefresh(), tick.at));
    }
    due = latest(due, tick.at);
    RefreshConditions conditions = conditionsOf(policy);
    if (conditions.minInterval() != null && state.lastRefresh() != null) {
      due = latest(due, state.lastRefresh().plus(conditions.minInterval()));
    }
    return firstAllowed(conditions, due);
  }

  /**
   * Day and window allow starts in intervals that open either at a local midnight or at the
   * window's start, so those are the only instants that need checking after {@code from}.
   */
  static Optional<Instant> firstAllowed(RefreshConditions conditions, Instant from) {
    ZoneId zone = conditions.zoneOrUtc();
    if (allowed(conditions, from)) {
      return Optional.of(from);
    }
    LocalDate firstDay = from.atZone(zone).toLocalDate();
    TreeSet<Instant> openings = new TreeSet<>();
    for (int day = 0; day <= SEARCH_DAYS; day++) {
      LocalDate date = firstDay.plusDays(day);
      openings.add(date.atStartOfDay(zone).toInstant());
      if (conditions.windowStart() != null) {
        openings.add(ZonedDateTime.of(date, conditions.windowStart(), zone).toInstant());
      }
    }
    return openings.tailSet(from, false).stream()
        .filter(opening -> allowed(conditions, opening))
        .findFirst();
  }

  private static boolean allowed(RefreshConditions conditions, Instant instant) {
    ZonedDateTime local = instant.atZone(conditions.zoneOrUtc());
    return dayAllowed(conditions, local.getDayOfWeek())
        && inWindow(conditions, local.toLocalTime());
  }

  private static boolean dayAllowed(RefreshConditions conditions, DayOfWeek day) {
    Set<DayOfWeek> days = conditions.daysOfWeek();
    return days == null || days.isEmpty() || days.contains(day);
  }

  /**
   * A missing start means midnight, a missing end the end of the day; a window that starts where it
   * ends spans the whole day.
   */
  private static boolean inWindow(RefreshConditions conditions, LocalTime time) {
    LocalTime start = conditions.windowStart();
    LocalTime end = conditions.windowEnd();
    if (start == null && end == null) {
      return true;
    }
    LocalTime from = start == null ? LocalTime.MIDNIGHT : start;
    if (end == null) {
      return !time.isBefore(from);
    }
    if (from.isBefore(end)) {
      return !time.isBefore(from) && time.isBefore(end);
    }
    if (from.equals(end)) {
      return true;
    }
    return !time.isBefore(from) || time.isBefore(end);
  }

  private static String windowText(RefreshConditions conditions) {
    String start = conditions.windowStart() == null ? "00:00" : conditions.windowStart().toString();
    String end = conditions.windowEnd() == null ? "24:00" : conditions.windowEnd().toString();
    return start + "-" + end;
  }

  private static boolean hasModelCadence(RefreshPolicy policy) {
    return policy != null && (policy.every() != null || policy.fullRefreshEvery() != null);
  }

  private static RefreshConditions conditionsOf(RefreshPolicy policy) {
    return policy.conditions() == null ? RefreshConditions.NONE : policy.conditions();
  }

  private static String notDue(
      String field, Cadence cadence, Instant last, String lastLabel, Instant at) {
    return "not due: "
        + field
        + " "
        + cadence.expression()
        + ": "
        + lastLabel
        + last
        + ", due again "
        + cadence.nextDue(last, at);
  }

  private static String since(Instant last, String lastLabel, String never) {
    return last == null ? never : lastLabel + last;
  }

  private static PlanStep noop(DueSchema schema, List<String> reasons, boolean snapshotsOnly) {
    return new PlanStep(
        schema.name(),
        Action.NOOP,
        reasons,
        List.of(),
        schema.upstream(),
        null,
        null,
        snapshotsOnly);
  }

  private static List<String> sorted(List<String> ids) {
    return ids.stream().sorted(Comparator.naturalOrder()).toList();
  }

  private static Instant earliest(Instant current, Instant candidate) {
    return current == null || candidate.isBefore(current) ? candidate : current;
  }

  private static Instant latest(Instant current, Instant candidate) {
    return current == null || candidate.isAfter(current) ? candidate : current;
  }
}
