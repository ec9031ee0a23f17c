package io.dbtoperator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour every {@link StateStore} backend must have. A backend test extends this class and opens
 * stores on one data set per test; every store opened by {@link #openStore(Clock)} in a test must
 * see the same data, as two processes sharing one store would.
 */
public abstract class StateStoreContract {

  protected static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  protected static final String PROJECT = "analytics/jaffle";
  private static final Duration TTL = Duration.ofMinutes(5);

  protected final MutableClock clock = new MutableClock(T0);
  private final List<StateStore> opened = new ArrayList<>();
  protected StateStore store;

  /** Opens another store instance on this test's data set. */
  protected abstract StateStore openStore(Clock clock);

  @BeforeEach
  void openFirstStore() {
    store = open();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(StateStore::close);
  }

  protected StateStore open() {
    StateStore opened = openStore(clock);
    this.opened.add(opened);
    return opened;
  }

  /** Closes the current store and opens it again on the same data, as after a process restart. */
  protected StateStore restart() {
    store.close();
    store = open();
    return store;
  }

  // --- schema state ---

  @Test
  void unknownSchemaIsAbsent() {
    assertThat(store.schema(PROJECT, "marts")).isEmpty();
    assertThat(store.schemas(PROJECT)).isEmpty();
  }

  @Test
  void listsEveryProjectWithSchemas() {
    String other = PROJECT + "_other";
    store.compareAndSet(0, new SchemaState(other, "marts", "c1", T0, null, null, 0));
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c2", T0, null, null, 0));

    assertThat(store.projects()).contains(PROJECT, other).isSorted();
  }

  @Test
  void insertWithVersionZeroStoresVersionOne() {
    SchemaState next =
        new SchemaState(PROJECT, "marts", "abc123", T0, T0.minusSeconds(60), null, 0);

    assertThat(store.compareAndSet(0, next)).isTrue();

    assertThat(store.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "abc123", T0, T0.minusSeconds(60), null, 1));
  }

  @Test
  void insertOfExistingSchemaLosesAndKeepsState() {
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "first", T0, null, null, 0));

    assertThat(store.compareAndSet(0, new SchemaState(PROJECT, "marts", "second", T0, T0, T0, 0)))
        .isFalse();

    assertThat(store.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "first", T0, null, null, 1));
  }

  @Test
  void updateWithCurrentVersionIncrementsVersion() {
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c1", T0, null, null, 0));
    Instant later = T0.plusSeconds(3600);

    assertThat(store.compareAndSet(1, new SchemaState(PROJECT, "marts", "c2", later, later, T0, 1)))
        .isTrue();
    assertThat(store.compareAndSet(2, new SchemaState(PROJECT, "marts", "c3", later, later, T0, 2)))
        .isTrue();

    assertThat(store.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "c3", later, later, T0, 3));
  }

  @Test
  void staleVersionLosesAndKeepsWinnersState() {
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c1", T0, null, null, 0));
    SchemaState readByA = store.schema(PROJECT, "marts").orElseThrow();
    SchemaState readByB = store.schema(PROJECT, "marts").orElseThrow();

    boolean aWon =
        store.compareAndSet(
            readByA.version(),
            new SchemaState(PROJECT, "marts", "from-a", T0.plusSeconds(1), null, null, 1));
    boolean bWon =
        store.compareAndSet(
            readByB.version(),
            new SchemaState(PROJECT, "marts", "from-b", T0.plusSeconds(2), null, null, 1));

    assertThat(aWon).isTrue();
    assertThat(bWon).isFalse();
    assertThat(store.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "from-a", T0.plusSeconds(1), null, null, 2));
  }

  @Test
  void updateOfAbsentSchemaLoses() {
    assertThat(store.compareAndSet(3, new SchemaState(PROJECT, "marts", "c", T0, null, null, 3)))
        .isFalse();
    assertThat(store.schema(PROJECT, "marts")).isEmpty();
  }

  @Test
  void negativeExpectedVersionIsRejected() {
    assertThatThrownBy(() -> store.compareAndSet(-1, SchemaState.absent(PROJECT, "marts")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected version must be 0 or more, got -1");
  }

  @Test
  void schemasAreSortedByNameAndScopedToProject() {
    for (String schema : List.of("staging", "marts", "raw")) {
      store.compareAndSet(0, new SchemaState(PROJECT, schema, "c-" + schema, T0, null, null, 0));
    }
    store.compareAndSet(0, new SchemaState("other/project", "core", "x", T0, null, null, 0));

    assertThat(store.schemas(PROJECT))
        .containsExactly(
            new SchemaState(PROJECT, "marts", "c-marts", T0, null, null, 1),
            new SchemaState(PROJECT, "raw", "c-raw", T0, null, null, 1),
            new SchemaState(PROJECT, "staging", "c-staging", T0, null, null, 1));
    assertThat(store.schemas("other/project"))
        .containsExactly(new SchemaState("other/project", "core", "x", T0, null, null, 1));
  }

  @Test
  void instantsKeepMillisecondsAndTruncateFinerPrecision() {
    Instant millis = Instant.parse("2026-03-01T10:00:00.123Z");
    Instant nanos = Instant.parse("2026-03-01T10:00:00.456789123Z");

    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c", millis, nanos, null, 0));

    assertThat(store.schema(PROJECT, "marts"))
        .contains(
            new SchemaState(
                PROJECT, "marts", "c", millis, Instant.parse("2026-03-01T10:00:00.456Z"), null, 1));
  }

  // --- runs ---

  protected static RunRecord run(String schema, String id, Instant startedAt) {
    return new RunRecord(
        id,
        PROJECT,
        schema,
        RunType.SCHEDULED,
        RunStatus.QUEUED,
        startedAt,
        null,
        RunCounts.NONE,
        null,
        null,
        null,
        0);
  }

  private static RunRecord finished(RunRecord run, long version) {
    return new RunRecord(
        run.id(),
        run.project(),
        run.schema(),
        run.type(),
        RunStatus.PARTIAL_SUCCESS,
        run.startedAt(),
        run.startedAt().plusSeconds(90),
        new RunCounts(10, 7, 1, 2, 30, 1),
        "s3://logs/" + run.id() + ".log",
        "build:marts",
        "1 model failed",
        version);
  }

  private static RunRecord withVersion(RunRecord run, long version) {
    return new RunRecord(
        run.id(),
        run.project(),
        run.schema(),
        run.type(),
        run.status(),
        run.startedAt(),
        run.endedAt(),
        run.counts(),
        run.logLocation(),
        run.lastCompletedStep(),
        run.message(),
        version);
  }

  private static List<String> ids(RunPage page) {
    return page.runs().stream().map(RunRecord::id).toList();
  }

  private static List<String> runIds(int fromInclusive, int downToInclusive) {
    return IntStream.iterate(fromInclusive, i -> i >= downToInclusive, i -> i - 1)
        .mapToObj(i -> String.format("run-%02d", i))
        .toList();
  }

  /** Inserts run-01 .. run-NN into schema marts, one minute apart, run-01 the oldest. */
  private void insertRuns(int count) {
    for (int i = 1; i <= count; i++) {
      assertThat(
              store.insertRun(run("marts", String.format("run-%02d", i), T0.plusSeconds(60L * i))))
          .isTrue();
    }
  }

  @Test
  void insertedRunReadsBackWithVersionOne() {
    RunRecord full = finished(run("marts", "r1", T0), 0);

    assertThat(store.insertRun(full)).isTrue();

    assertThat(store.run(PROJECT, "marts", "r1")).contains(withVersion(full, 1));
    assertThat(store.run(PROJECT, "marts", "r2")).isEmpty();
    assertThat(store.run(PROJECT, "staging", "r1")).isEmpty();
  }

  @Test
  void insertOfExistingRunIdLosesAndKeepsRun() {
    store.insertRun(run("marts", "r1", T0));

    assertThat(store.insertRun(finished(run("marts", "r1", T0.plusSeconds(5)), 0))).isFalse();

    assertThat(store.run(PROJECT, "marts", "r1")).contains(withVersion(run("marts", "r1", T0), 1));
  }

  @Test
  void runUpdateWithCurrentVersionWinsAndStaleLoses() {
    RunRecord queued = run("marts", "r1", T0);
    store.insertRun(queued);

    assertThat(store.compareAndSetRun(1, finished(queued, 1))).isTrue();
    RunRecord staleWrite =
        new RunRecord(
            "r1",
            PROJECT,
            "marts",
            RunType.SCHEDULED,
            RunStatus.FAILED,
            T0,
            T0.plusSeconds(5),
            RunCounts.NONE,
            null,
            null,
            "stale",
            1);
    assertThat(store.compareAndSetRun(1, staleWrite)).isFalse();

    assertThat(store.run(PROJECT, "marts", "r1")).contains(finished(queued, 2));
  }

  @Test
  void runUpdateOfAbsentRunLoses() {
    assertThat(store.compareAndSetRun(1, finished(run("marts", "r1", T0), 1))).isFalse();
    assertThat(store.run(PROJECT, "marts", "r1")).isEmpty();
  }

  @Test
  void runStartTimeCannotChange() {
    store.insertRun(run("marts", "r1", T0));

    assertThatThrownBy(() -> store.compareAndSetRun(1, run("marts", "r1", T0.plusSeconds(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("run analytics/jaffle/marts/r1")
        .hasMessageContaining("type and startedAt cannot change");
    assertThat(store.run(PROJECT, "marts", "r1")).contains(withVersion(run("marts", "r1", T0), 1));
  }

  @Test
  void runHistoryPagesNewestFirstWithExactIds() {
    insertRuns(25);

    RunPage first = store.runs(PROJECT, "marts", null, 10);
    RunPage second = store.runs(PROJECT, "marts", first.nextPageToken(), 10);
    RunPage third = store.runs(PROJECT, "marts", second.nextPageToken(), 10);

    assertThat(ids(first)).isEqualTo(runIds(25, 16));
    assertThat(ids(second)).isEqualTo(runIds(15, 6));
    assertThat(ids(third)).isEqualTo(runIds(5, 1));
    assertThat(first.nextPageToken()).isNotNull();
    assertThat(second.nextPageToken()).isNotNull();
    assertThat(third.nextPageToken()).isNull();
    assertThat(first.runs().get(0))
        .isEqualTo(withVersion(run("marts", "run-25", T0.plusSeconds(1500)), 1));
  }

  @Test
  void lastFullPageHasNoToken() {
    insertRuns(20);

    RunPage first = store.runs(PROJECT, null, null, 10);
    RunPage second = store.runs(PROJECT, null, first.nextPageToken(), 10);

    assertThat(ids(second)).isEqualTo(runIds(10, 1));
    assertThat(second.nextPageToken()).isNull();
  }

  @Test
  void emptyHistoryIsOneEmptyPage() {
    RunPage page = store.runs(PROJECT, null, null, 10);

    assertThat(page.runs()).isEmpty();
    assertThat(page.nextPageToken()).isNull();
  }

  @Test
  void insertsBetweenPagesDoNotDisturbPaging() {
    insertRuns(25);
    RunPage first = store.runs(PROJECT, "marts", null, 10);

    // Newer runs belong before the first page, so they must not shift the pages already handed out.
    store.insertRun(run("marts", "run-26", T0.plusSeconds(60L * 26)));
    store.insertRun(run("marts", "run-27", T0.plusSeconds(60L * 27)));
    RunPage second = store.runs(PROJECT, "marts", first.nextPageToken(), 10);
    // An older run lands after the cursor and so shows up on the last page.
    store.insertRun(run("marts", "run-00", T0));
    RunPage third = store.runs(PROJECT, "marts", second.nextPageToken(), 10);

    assertThat(ids(second)).isEqualTo(runIds(15, 6));
    assertThat(ids(third)).isEqualTo(runIds(5, 0));
    assertThat(third.nextPageToken()).isNull();
    assertThat(ids(store.runs(PROJECT, "marts", null, 3)))
        .containsExactly("run-27", "run-26", "run-25");
  }

  @Test
  void longHistoryPagesAcrossMonthsYearsAndSchemasWithoutGapsOrRepeats() {
    // 60 runs nine days apart span 18 months and a new year, alternating between two schemas;
    // the Cassandra backend keeps each month of each schema in its own partition.
    List<RunRecord> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      RunRecord each =
          run(
              i % 2 == 0 ? "marts" : "staging",
              String.format("h-%02d", i),
              T0.plus(Duration.ofDays(9L * i)));
      all.add(each);
      assertThat(store.insertRun(each)).isTrue();
    }
    // Either side of a month boundary, to the millisecond.
    RunRecord lastOfMarch = run("marts", "edge-a", Instant.parse("2026-03-31T23:59:59.999Z"));
    RunRecord firstOfApril = run("staging", "edge-b", Instant.parse("2026-04-01T00:00:00Z"));
    store.insertRun(lastOfMarch);
    store.insertRun(firstOfApril);
    all.add(lastOfMarch);
    all.add(firstOfApril);
    List<String> newestFirst =
        all.stream()
            .sorted((a, b) -> b.startedAt().compareTo(a.startedAt()))
            .map(RunRecord::id)
            .toList();

    assertThat(pageThrough(null, 7)).isEqualTo(newestFirst);
    assertThat(pageThrough("staging", 5))
        .isEqualTo(
            all.stream()
                .filter(r -> r.schema().equals("staging"))
                .sorted((a, b) -> b.startedAt().compareTo(a.startedAt()))
                .map(RunRecord::id)
                .toList());
    int edge = newestFirst.indexOf("edge-b");
    assertThat(newestFirst.subList(edge, edge + 2)).containsExactly("edge-b", "edge-a");
  }

  @Test
  void insertsInOtherMonthsBetweenPagesDoNotDisturbPaging() {
    for (int i = 0; i < 12; i++) {
      store.insertRun(
          run(
              i % 2 == 0 ? "marts" : "staging",
              "m-" + (10 + i),
              T0.plus(Duration.ofDays(31L * i))));
    }
    RunPage first = store.runs(PROJECT, null, null, 5);

    // A run newer than everything, one in a month already paged and one older than everything.
    store.insertRun(run("marts", "m-99", T0.plus(Duration.ofDays(400))));
    store.insertRun(run("staging", "m-50", T0.plus(Duration.ofDays(31L * 9 + 1))));
    store.insertRun(run("staging", "m-00", T0.minus(Duration.ofDays(40))));
    RunPage second = store.runs(PROJECT, null, first.nextPageToken(), 5);
    RunPage third = store.runs(PROJECT, null, second.nextPageToken(), 5);

    assertThat(ids(first)).containsExactly("m-21", "m-20", "m-19", "m-18", "m-17");
    assertThat(ids(second)).containsExactly("m-16", "m-15", "m-14", "m-13", "m-12");
    assertThat(ids(third)).containsExactly("m-11", "m-10", "m-00");
    assertThat(third.nextPageToken()).isNull();
  }

  private List<String> pageThrough(String schema, int limit) {
    List<String> seen = new ArrayList<>();
    String token = null;
    do {
      RunPage page = store.runs(PROJECT, schema, token, limit);
      assertThat(page.runs()).hasSizeLessThanOrEqualTo(limit);
      seen.addAll(ids(page));
      token = page.nextPageToken();
    } while (token != null);
    return seen;
  }

  @Test
  void runsStartedAtTheSameInstantPageByIdDescending() {
    for (String id : List.of("b", "e", "a", "d", "c")) {
      store.insertRun(run("marts", id, T0));
    }

    RunPage first = store.runs(PROJECT, "marts", null, 2);
    RunPage second = store.runs(PROJECT, "marts", first.nextPageToken(), 2);
    RunPage third = store.runs(PROJECT, "marts", second.nextPageToken(), 2);

    assertThat(ids(first)).containsExactly("e", "d");
    assertThat(ids(second)).containsExactly("c", "b");
    assertThat(ids(third)).containsExactly("a");
    assertThat(third.nextPageToken()).isNull();
  }

  @Test
  void runsFilterBySchemaOrSpanAllSchemasOfTheProject() {
    for (int i = 1; i <= 6; i++) {
      String schema = i % 2 == 0 ? "staging" : "marts";
      store.insertRun(run(schema, "run-" + i, T0.plusSeconds(i)));
    }
    store.insertRun(
        new RunRecord(
            "run-9",
            "other/project",
            "marts",
            RunType.MANUAL,
            RunStatus.RUNNING,
            T0.plusSeconds(9),
            null,
            RunCounts.NONE,
            null,
            null,
            null,
            0));

    assertThat(ids(store.runs(PROJECT, "marts", null, 10)))
        .containsExactly("run-5", "run-3", "run-1");
    assertThat(ids(store.runs(PROJECT, "staging", null, 10)))
        .containsExactly("run-6", "run-4", "run-2");
    RunPage allFirst = store.runs(PROJECT, null, null, 4);
    assertThat(ids(allFirst)).containsExactly("run-6", "run-5", "run-4", "run-3");
    assertThat(ids(store.runs(PROJECT, null, allFirst.nextPageToken(), 4)))
        .containsExactly("run-2", "run-1");
    assertThat(ids(store.runs("other/project", null, null, 10))).containsExactly("run-9");
  }

  @Test
  void sameRunIdInTwoSchemasAreTwoRuns() {
    store.insertRun(run("marts", "r1", T0));
    assertThat(store.insertRun(run("staging", "r1", T0))).isTrue();

    RunPage first = store.runs(PROJECT, null, null, 1);
    RunPage second = store.runs(PROJECT, null, first.nextPageToken(), 1);

    assertThat(first.runs()).extracting(RunRecord::schema).containsExactly("staging");
    assertThat(second.runs()).extracting(RunRecord::schema).containsExactly("marts");
    assertThat(second.nextPageToken()).isNull();
  }

  @Test
  void badPageArgumentsAreRejected() {
    assertThatThrownBy(() -> store.runs(PROJECT, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("page limit must be at least 1, got 0");
    assertThatThrownBy(() -> store.runs(PROJECT, null, "not a token!", 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid run page token \"not a token!\"");
  }

  // --- manifest pointer ---

  @Test
  void manifestPointerCompareAndSet() {
    assertThat(store.manifest(PROJECT)).isEmpty();

    assertThat(
            store.compareAndSetManifest(
                0, new ManifestPointer(PROJECT, "c1", "s3://m/c1.json", T0, 0)))
        .isTrue();
    assertThat(
            store.compareAndSetManifest(
                0, new ManifestPointer(PROJECT, "cX", "s3://m/cX.json", T0, 0)))
        .isFalse();
    Instant later = T0.plusSeconds(30);
    assertThat(
            store.compareAndSetManifest(
                1, new ManifestPointer(PROJECT, "c2", "s3://m/c2.json", later, 1)))
        .isTrue();
    assertThat(
            store.compareAndSetManifest(
                1, new ManifestPointer(PROJECT, "stale", "s3://m/stale.json", later, 1)))
        .isFalse();

    assertThat(store.manifest(PROJECT))
        .contains(new ManifestPointer(PROJECT, "c2", "s3://m/c2.json", later, 2));
    assertThat(store.manifest("other/project")).isEmpty();
  }

  // --- leases ---

  @Test
  void freeLeaseIsAcquiredUntilNowPlusTtl() {
    assertThat(store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL))
        .contains(new Lease(PROJECT, "marts", "operator-1", T0.plus(TTL)));
  }

  @Test
  void heldLeaseIsDeniedToOthersButRenewedForHolder() {
    store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL);
    clock.advance(Duration.ofMinutes(1));

    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL)).isEmpty();
    assertThat(store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL))
        .contains(new Lease(PROJECT, "marts", "operator-1", T0.plus(Duration.ofMinutes(6))));

    // The renewal moved expiry: at the original expiry the lease is still held.
    clock.set(T0.plus(TTL));
    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL)).isEmpty();
  }

  @Test
  void leasesAreIndependentPerSchemaAndProject() {
    store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL);

    assertThat(store.tryAcquireLease(PROJECT, "staging", "cli", TTL))
        .contains(new Lease(PROJECT, "staging", "cli", T0.plus(TTL)));
    assertThat(store.tryAcquireLease("other/project", "marts", "cli", TTL))
        .contains(new Lease("other/project", "marts", "cli", T0.plus(TTL)));
  }

  @Test
  void expiredLeaseCanBeTakenByAnotherHolder() {
    store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL);

    clock.set(T0.plus(TTL).minusMillis(1));
    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL)).isEmpty();
    clock.set(T0.plus(TTL));
    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL))
        .contains(new Lease(PROJECT, "marts", "cli", T0.plus(TTL).plus(TTL)));
  }

  @Test
  void holderRenewsUntilItLosesTheLease() {
    Lease lease = store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL).orElseThrow();
    clock.advance(Duration.ofMinutes(4));

    assertThat(store.renewLease(lease, TTL)).isTrue();
    // Renewed at T0+4m, so still held at T0+8m although the first term ended at T0+5m.
    clock.set(T0.plus(Duration.ofMinutes(8)));
    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL)).isEmpty();

    clock.set(T0.plus(Duration.ofMinutes(9)));
    Lease taken = store.tryAcquireLease(PROJECT, "marts", "cli", TTL).orElseThrow();
    assertThat(store.renewLease(lease, TTL)).isFalse();
    // The failed renewal left the new holder's lease alone.
    assertThat(store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL)).isEmpty();
    assertThat(store.renewLease(taken, TTL)).isTrue();
  }

  @Test
  void expiredLeaseCannotBeRenewedEvenIfNobodyTookIt() {
    Lease lease = store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL).orElseThrow();
    clock.set(T0.plus(TTL));

    assertThat(store.renewLease(lease, TTL)).isFalse();
  }

  @Test
  void releaseByNonHolderHasNoEffect() {
    store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL);

    store.releaseLease(new Lease(PROJECT, "marts", "cli", T0.plus(TTL)));

    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL)).isEmpty();
  }

  @Test
  void releaseByHolderFreesTheLease() {
    Lease lease = store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL).orElseThrow();

    store.releaseLease(lease);

    assertThat(store.tryAcquireLease(PROJECT, "marts", "cli", TTL))
        .contains(new Lease(PROJECT, "marts", "cli", T0.plus(TTL)));
    assertThat(store.renewLease(lease, TTL)).isFalse();
  }

  @Test
  void nonPositiveTtlIsRejected() {
    assertThatThrownBy(() -> store.tryAcquireLease(PROJECT, "marts", "cli", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lease ttl must be positive, got PT0S");
  }

  @Test
  void twoStoresContendingForOneLeaseHaveExactlyOneWinner() throws Exception {
    List<StateStore> stores = List.of(store, open());

    List<Optional<Lease>> attempts =
        race(8, i -> () -> stores.get(i % 2).tryAcquireLease(PROJECT, "marts", "holder-" + i, TTL));

    List<Lease> won = attempts.stream().flatMap(Optional::stream).toList();
    assertThat(won).hasSize(1);
    Lease winner = won.get(0);
    for (StateStore each : stores) {
      assertThat(each.renewLease(winner, TTL)).isTrue();
      assertThat(each.tryAcquireLease(PROJECT, "marts", "latecomer", TTL)).isEmpty();
    }
  }

  @Test
  void concurrentCompareAndSetsFromOneVersionHaveExactlyOneWinner() throws Exception {
    List<StateStore> stores = List.of(store, open());
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c0", T0, null, null, 0));

    List<Boolean> results =
        race(
            8,
            i ->
                () ->
                    stores
                        .get(i % 2)
                        .compareAndSet(
                            1, new SchemaState(PROJECT, "marts", "c-" + i, T0, null, null, 1)));

    List<Integer> winners =
        IntStream.range(0, results.size()).filter(results::get).boxed().toList();
    assertThat(winners).hasSize(1);
    assertThat(store.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "c-" + winners.get(0), T0, null, null, 2));
  }

  @Test
  void concurrentWritersOfOneRunHaveExactlyOneWinnerPerVersion() throws Exception {
    List<StateStore> stores = List.of(store, open());
    RunRecord queued = run("marts", "r1", T0);

    List<Boolean> inserts = race(6, i -> () -> stores.get(i % 2).insertRun(queued));
    List<Boolean> updates =
        race(
            6,
            i ->
                () ->
                    stores
                        .get(i % 2)
                        .compareAndSetRun(
                            1,
                            new RunRecord(
                                "r1",
                                PROJECT,
                                "marts",
                                RunType.SCHEDULED,
                                RunStatus.RUNNING,
                                T0,
                                null,
                                RunCounts.NONE,
                                null,
                                "step-" + i,
                                null,
                                1)));

    assertThat(inserts).containsOnlyOnce(true);
    assertThat(updates).containsOnlyOnce(true);
    RunRecord stored = store.run(PROJECT, "marts", "r1").orElseThrow();
    assertThat(stored.version()).isEqualTo(2);
    assertThat(stored.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(stored.lastCompletedStep()).isEqualTo("step-" + updates.indexOf(true));
  }

  /** Runs {@code contenders} tasks at once, released together, and returns their results. */
  private static <T> List<T> race(int contenders, IntFunction<Callable<T>> task) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(contenders);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < contenders; i++) {
        Callable<T> each = task.apply(i);
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return each.call();
                }));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twoStoresSeeEachOthersWritesAndConflicts() {
    StateStore other = open();
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c1", T0, null, null, 0));

    assertThat(other.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "c1", T0, null, null, 1));
    assertThat(other.compareAndSet(1, new SchemaState(PROJECT, "marts", "c2", T0, null, null, 1)))
        .isTrue();
    assertThat(store.compareAndSet(1, new SchemaState(PROJECT, "marts", "c3", T0, null, null, 1)))
        .isFalse();
    assertThat(store.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "c2", T0, null, null, 2));
  }

  // --- persistence ---

  @Test
  void everythingSurvivesARestart() {
    store.compareAndSet(0, new SchemaState(PROJECT, "marts", "c1", T0, T0, null, 0));
    RunRecord run = finished(run("marts", "r1", T0), 0);
    store.insertRun(run);
    store.compareAndSetManifest(0, new ManifestPointer(PROJECT, "c1", "s3://m/c1.json", T0, 0));
    store.insertRun(run("marts", "r0", T0.minusSeconds(60)));
    String pageToken = store.runs(PROJECT, null, null, 1).nextPageToken();
    Lease lease = store.tryAcquireLease(PROJECT, "marts", "operator-1", TTL).orElseThrow();

    StateStore restarted = restart();

    assertThat(restarted.schema(PROJECT, "marts"))
        .contains(new SchemaState(PROJECT, "marts", "c1", T0, T0, null, 1));
    assertThat(restarted.run(PROJECT, "marts", "r1")).contains(withVersion(run, 1));
    assertThat(ids(restarted.runs(PROJECT, null, null, 10))).containsExactly("r1", "r0");
    assertThat(ids(restarted.runs(PROJECT, null, pageToken, 10))).containsExactly("r0");
    assertThat(restarted.manifest(PROJECT))
        .contains(new ManifestPointer(PROJECT, "c1", "s3://m/c1.json", T0, 1));
    assertThat(restarted.tryAcquireLease(PROJECT, "marts", "cli", TTL)).isEmpty();
    assertThat(restarted.renewLease(lease, TTL)).isTrue();
    // Versions continue where they were, so compare-and-set still detects stale writers.
    assertThat(
            restarted.compareAndSet(0, new SchemaState(PROJECT, "marts", "c9", T0, null, null, 0)))
        .isFalse();
    assertThat(
            restarted.compareAndSet(1, new SchemaState(PROJECT, "marts", "c2", T0, null, null, 1)))
        .isTrue();
  }
}
