package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.plan.Action;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.PostgresSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two schemas that read each other (a model of {@code a} reads one of {@code b}, which reads
 * another of {@code a}) deploy with real dbt into a real PostgreSQL as one unit, while readers
 * query both without pause.
 */
class GroupDeployIT {
  private static final String PROJECT = "loop";
  private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

  @TempDir Path temp;
  PostgresSettings pg;
  GitFixture git;
  StateStore store;

  @BeforeEach
  void setUp() {
    pg = PostgresHarness.newDatabase("group");
    git = new GitFixture(temp.resolve("repo"));
    store = SqliteStateStore.open(temp.resolve("state.db"), Clock.fixed(T0, ZoneOffset.UTC));
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private ProjectRunner runner(Instant now) {
    return runner(now, StepHook.NONE);
  }

  private ProjectRunner runner(Instant now, StepHook hook) {
    return new ProjectRunner(
        PROJECT,
        JGitRepository.open(git.dir()),
        ".",
        temp.resolve("work"),
        store,
        new PostgresTarget(pg, "public"),
        new LocalDbtExecutor(PostgresHarness.dbt()),
        new LocalArtifactStore(temp.resolve("artifacts")),
        new ArtifactStore.ProjectKey("local", PROJECT),
        Clock.fixed(now, ZoneOffset.UTC),
        new RunSettings("test", Duration.ofMinutes(30), 1, Duration.ofHours(24), 2, true),
        new RunListener() {},
        hook,
        line -> {});
  }

  private String commitVersion(int version, String message) {
    return git.write(
            Map.of(
                "dbt_project.yml",
                """
                name: loop
                version: "1.0.0"
                config-version: 2
                profile: dbt_operator
                models:
                  loop:
                    a:
                      +schema: a
                      +materialized: table
                    b:
                      +schema: b
                      +materialized: table
                    c:
                      +schema: c
                      +materialized: view
                """,
                "dbt-operator.yml",
                """
                schemas:
                  - schema: a
                    grants:
                      reporter: [SELECT]
                  - schema: b
                    grants:
                      reporter: [SELECT]
                """,
                "macros/generate_schema_name.sql",
                """
                {% macro generate_schema_name(custom_schema_name, node) -%}
                  {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
                {%- endmacro %}
                """,
                "models/a/a_base.sql",
                "select " + version + " as version\n",
                "models/b/b_mid.sql",
                "select version from {{ ref('a_base') }}\n",
                "models/a/a_top.sql",
                "select version from {{ ref('b_mid') }}\n",
                "models/c/c_report.sql",
                "select version from {{ ref('a_top') }}\n"))
        .commit(message);
  }

  @Test
  void schemasThatReadEachOtherSwapTogetherInOneTransactionUnderReaders() throws Exception {
    String v1 = commitVersion(1, "v1");
    var first = runner(T0).deploy(v1);
    assertThat(first.outcomes())
        .as(first.outcomes().toString())
        .allMatch(o -> o.result() == SchemaOutcome.Result.LIVE);
    assertThat(PostgresHarness.rows(pg, "select version from c.c_report")).containsExactly("1");

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Thread reader =
          new Thread(
              () -> {
                try (Connection c = PostgresHarness.connect(pg, "reporter", "reporter");
                    Statement s = c.createStatement()) {
                  while (running.get()) {
                    try (ResultSet rs =
                        s.executeQuery(
                            "select a.version, b.version, t.version"
                                + " from a.a_base a, b.b_mid b, a.a_top t")) {
                      rs.next();
                      seen.add(rs.getInt(1) + "/" + rs.getInt(2) + "/" + rs.getInt(3));
                      reads.incrementAndGet();
                    } catch (SQLException e) {
                      errors.add(e.getMessage());
                    }
                  }
                } catch (SQLException e) {
                  errors.add("connect: " + e.getMessage());
                }
              });
      reader.start();
      readers.add(reader);
    }
    String v2 = commitVersion(2, "v2");
    Plan plan = runner(T0.plusSeconds(3600)).plan(v2);
    var second = runner(T0.plusSeconds(3600)).deploy(v2);
    running.set(false);
    for (Thread reader : readers) {
      reader.join();
    }

    // One group step for a and b, which read each other; c reads a and follows it.
    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::dependsOn)
        .containsExactly(
            tuple("a+b", Action.DEPLOY, List.of()), tuple("c", Action.DEPLOY, List.of("a")));
    assertThat(plan.steps().get(0).members())
        .extracting(PlanStep::schema)
        .containsExactly("a", "b");
    assertThat(plan.steps().get(0).reasons())
        .singleElement()
        .asString()
        .contains("deploy as one unit: built into staging together, tested, then swapped together");
    assertThat(second.outcomes())
        .as(second.outcomes().toString())
        .allMatch(o -> o.result() == SchemaOutcome.Result.LIVE);
    assertThat(errors).isEmpty();
    assertThat(reads.get()).isGreaterThan(10);
    // Readers saw the old unit and the new one, never one schema swapped without the other.
    assertThat(seen).containsExactlyInAnyOrder("1/1/1", "2/2/2");
    // The renames of both live schemas were written by one transaction.
    assertThat(
            PostgresHarness.rows(
                pg,
                "select count(distinct xmin::text) from pg_namespace where nspname in ('a', 'b')"))
        .containsExactly("1");
    assertThat(
            PostgresHarness.rows(
                pg,
                "select count(distinct xmin::text) from pg_namespace where nspname in ('a', 'c')"))
        .containsExactly("2");
    // One build filled both stagings: both runs record the build, the first one ran it.
    var runA = store.runs(PROJECT, "a", null, 1).runs().get(0);
    var runB = store.runs(PROJECT, "b", null, 1).runs().get(0);
    assertThat(List.of(runA.lastCompletedStep(), runB.lastCompletedStep()))
        .containsExactly("CLEANUP", "CLEANUP");
    assertThat(PostgresHarness.rows(pg, "select version from c.c_report")).containsExactly("2");
    System.out.printf(
        "group swap of a and b: %d reads by 2 readers, versions seen %s, 0 errors%n",
        reads.get(), seen);
  }

  @Test
  void aMemberHeldByTheStartPolicyHoldsTheWholeUnit() {
    runner(T0).deploy(commitVersion(1, "v1"));
    String v2 = commitVersion(2, "v2");
    StartPolicy holdB =
        step ->
            step.schema().equals("b")
                ? Optional.of(
                    new SchemaOutcome(
                        "b",
                        step.action(),
                        false,
                        SchemaOutcome.Result.WAITING,
                        null,
                        RunCounts.NONE,
                        "suspended"))
                : Optional.empty();

    var held = runner(T0.plusSeconds(3600)).advanceDeploy(v2, 4, holdB);

    assertThat(held.steps())
        .extracting(p -> p.step().schema(), p -> p.outcome().result(), p -> p.outcome().message())
        .containsExactly(
            tuple("a", SchemaOutcome.Result.WAITING, "b is held: suspended"),
            tuple("b", SchemaOutcome.Result.WAITING, "b is held: suspended"),
            tuple("c", SchemaOutcome.Result.WAITING, "waiting for a, which is waiting"));
    assertThat(PostgresHarness.rows(pg, "select version from a.a_base")).containsExactly("1");
    assertThat(store.runs(PROJECT, "a", null, 5).runs()).hasSize(1);

    var released = runner(T0.plusSeconds(3700)).advanceDeploy(v2, 4, StartPolicy.ALWAYS);

    assertThat(released.steps())
        .extracting(p -> p.outcome().result())
        .containsOnly(SchemaOutcome.Result.LIVE);
    assertThat(PostgresHarness.rows(pg, "select version from c.c_report")).containsExactly("2");
  }

  /**
   * Another holder takes a member's lease (its own expired) after the unit built and granted, just
   * before the swap: no member swaps, every member fails naming the lost lease, and live stays on
   * the previous commit for the whole unit and its dependent.
   */
  @Test
  void aLeaseLostBeforeTheSwapFailsTheWholeUnitAndLeavesLiveUnchanged() {
    runner(T0).deploy(commitVersion(1, "v1"));
    String v2 = commitVersion(2, "v2");
    Instant deployAt = T0.plusSeconds(3600);
    StepHook intruder =
        (schema, done) -> {
          if (schema.equals("b") && done == RunStep.GRANT) {
            // A second process whose clock is past the lease's expiry takes it over.
            try (StateStore other =
                SqliteStateStore.open(
                    temp.resolve("state.db"),
                    Clock.fixed(deployAt.plus(Duration.ofHours(1)), ZoneOffset.UTC))) {
              assertThat(other.tryAcquireLease(PROJECT, "b", "intruder", Duration.ofHours(2)))
                  .isPresent();
            }
          }
        };

    var second = runner(deployAt, intruder).deploy(v2);

    assertThat(second.outcomes())
        .extracting(SchemaOutcome::schema, SchemaOutcome::result)
        .containsExactly(
            tuple("a", SchemaOutcome.Result.FAILED),
            tuple("b", SchemaOutcome.Result.FAILED),
            tuple("c", SchemaOutcome.Result.WAITING));
    assertThat(second.outcomes().get(1).message()).isEqualTo("lost the lease of b before SWAP");
    assertThat(second.outcomes().get(0).message())
        .isEqualTo(
            "not swapped: b, deployed with it as one unit, failed (lost the lease of b before"
                + " SWAP); live is unchanged");
    for (String table : List.of("a.a_base", "b.b_mid", "a.a_top", "c.c_report")) {
      assertThat(PostgresHarness.rows(pg, "select version from " + table))
          .as(table)
          .containsExactly("1");
    }
    assertThat(previousVersions("a")).isEmpty();
    assertThat(previousVersions("b")).isEmpty();
  }

  /**
   * Stops the deploy right after a group step's work and before a member's run records it, then
   * deploys again with a new runner, as a restarted process would: the same runs finish, the build
   * is not repeated once a member recorded it, and the unit is swapped exactly once.
   */
  @ParameterizedTest
  @CsvSource({"b, BUILD", "a, SWAP"})
  void aGroupStoppedAfterAStepResumesAndSwapsOnce(String schema, RunStep step) {
    runner(T0).deploy(commitVersion(1, "v1"));
    String v2 = commitVersion(2, "v2");
    StepHook crash =
        (s, done) -> {
          if (s.equals(schema) && done == step) {
            throw new CrashRecoveryIT.Crash("stopped after " + done + " of " + s);
          }
        };
    assertThatThrownBy(() -> runner(T0.plusSeconds(3600), crash).deploy(v2))
        .isInstanceOf(CrashRecoveryIT.Crash.class);
    String runA = store.runs(PROJECT, "a", null, 1).runs().get(0).id();
    String runB = store.runs(PROJECT, "b", null, 1).runs().get(0).id();

    var resumed = runner(T0.plusSeconds(3660)).deploy(v2);

    assertThat(resumed.outcomes())
        .as(resumed.outcomes().toString())
        .allMatch(o -> o.result() == SchemaOutcome.Result.LIVE);
    assertThat(resumed.outcomes())
        .filteredOn(o -> !o.schema().equals("c"))
        .extracting(SchemaOutcome::runId)
        .containsExactly(runA, runB);
    assertThat(PostgresHarness.rows(pg, "select version from c.c_report")).containsExactly("2");
    // Swapped once: each schema's previous version is v1's.
    for (String live : List.of("a", "b")) {
      assertThat(previousVersions(live)).as(live).hasSize(1);
    }
    assertThat(PostgresHarness.rows(pg, "select version from a.a_top")).containsExactly("2");
    assertThat(
            PostgresHarness.rows(
                pg, "select version from \"" + previousVersions("a").get(0) + "\".a_top"))
        .containsExactly("1");
  }

  private List<String> previousVersions(String live) {
    return PostgresHarness.rows(
        pg,
        "select nspname from pg_namespace where nspname like '"
            + live
            + "\\_\\_dbtop\\_%' and obj_description(oid, 'pg_namespace') like"
            + " '%role=previous%'");
  }
}
