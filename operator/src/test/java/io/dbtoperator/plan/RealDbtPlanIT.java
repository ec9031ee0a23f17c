package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.dbtoperator.git.JGitRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans the example project with manifests written by real dbt (`dbt parse` from the project's
 * virtualenv), so that reading dbt's output and checking its checksums against the commits is
 * tested against dbt itself rather than against our idea of it.
 */
class RealDbtPlanIT {
  @TempDir Path temp;

  private static Path projectRoot() {
    return RealDbt.projectRoot();
  }

  private Path parse(Path repo, String name) throws Exception {
    return new RealDbt(temp).parse(repo, name);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    RealDbt.copyTree(from, to);
  }

  private static String commitAll(Path repo, String message) throws Exception {
    return RealDbt.commitAll(repo, message);
  }

  /**
   * Plans between two commits of the example project that differ only in dbt_project.yml: {@code
   * before} and {@code after} rewrite its text at each commit.
   */
  private Plan planProjectFileChange(UnaryOperator<String> before, UnaryOperator<String> after)
      throws Exception {
    return planProjectFileChange(Map.of(), before, after);
  }

  /**
   * @param files files added to the example before the first commit, by path
   */
  private Plan planProjectFileChange(
      Map<String, String> files, UnaryOperator<String> before, UnaryOperator<String> after)
      throws Exception {
    Path repo = temp.resolve("repo");
    copyTree(projectRoot().resolve("examples/shop"), repo);
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(repo.resolve(file.getKey()), file.getValue());
    }
    Path projectFile = repo.resolve("dbt_project.yml");
    String original = Files.readString(projectFile);
    Files.writeString(projectFile, before.apply(original));
    String v1 = commitAll(repo, "v1");
    Path m1 = parse(repo, "v1");
    Files.writeString(projectFile, after.apply(original));
    String v2 = commitAll(repo, "v2");
    Path m2 = parse(repo, "v2");
    try (JGitRepository repository = JGitRepository.open(repo)) {
      return new ProjectPlanner(repository, "")
          .plan(v1, v2, ManifestReader.read(m1), ManifestReader.read(m2), null);
    }
  }

  @Test
  void aVersionBumpBuildsNoModel() throws Exception {
    Plan plan =
        planProjectFileChange(
            UnaryOperator.identity(),
            yml -> replace(yml, "version: \"1.0.0\"", "version: \"1.1.0\""));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("raw", Action.NOOP, List.of()),
            tuple("staging", Action.NOOP, List.of()),
            tuple("marts", Action.NOOP, List.of()),
            tuple("reporting", Action.NOOP, List.of()));
    assertThat(plan.hasChanges()).isFalse();
  }

  @Test
  void aFolderMaterializedChangeBuildsExactlyTheModelsUnderIt() throws Exception {
    Plan plan =
        planProjectFileChange(
            UnaryOperator.identity(),
            yml ->
                replace(
                    yml,
                    "+schema: reporting\n      +materialized: view",
                    "+schema: reporting\n      +materialized: table"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            unchanged(plan, "raw"),
            unchanged(plan, "staging"),
            unchanged(plan, "marts"),
            tuple(
                "reporting",
                Action.DEPLOY,
                List.of("model.shop.daily_revenue"),
                List.of(
                    "model.shop.daily_revenue config changed: materialized \"view\" -> \"table\"")));
  }

  @Test
  void anOnRunEndChangeIsAFullDeployThatSaysSo() throws Exception {
    Plan plan =
        planProjectFileChange(
            yml -> yml + "\non-run-end:\n  - \"select 1\"\n",
            yml -> yml + "\non-run-end:\n  - \"select 2\"\n");

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::reasons)
        .containsExactly(
            tuple("raw", Action.FULL_DEPLOY, List.of(ON_RUN_END_CHANGED)),
            tuple("staging", Action.FULL_DEPLOY, List.of(ON_RUN_END_CHANGED)),
            tuple("marts", Action.FULL_DEPLOY, List.of(ON_RUN_END_CHANGED)),
            tuple("reporting", Action.FULL_DEPLOY, List.of(ON_RUN_END_CHANGED)));
  }

  @Test
  void aVarChangeBuildsExactlyTheModelsThatReadItWhereDbtSelectsNone() throws Exception {
    Plan plan =
        planProjectFileChange(
            Map.of(
                "models/reporting/big_orders.sql",
                "select * from {{ ref('orders') }} where amount_eur >= {{ var('min_amount') }}\n"),
            yml -> yml + "\nvars:\n  min_amount: 5\n  currency: EUR\n",
            yml -> yml + "\nvars:\n  min_amount: 6\n  currency: EUR\n");
    List<String> dbtSelects = stateModified(temp.resolve("repo"), temp.resolve("target-v1"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            unchanged(plan, "raw"),
            unchanged(plan, "staging"),
            unchanged(plan, "marts"),
            tuple(
                "reporting",
                Action.DEPLOY,
                List.of("model.shop.big_orders"),
                List.of(
                    "model.shop.big_orders reads var min_amount"
                        + " (vars changed in dbt_project.yml: min_amount)")));
    // dbt's state:modified compares raw code, which a new var value leaves alone.
    assertThat(dbtSelects).isEmpty();
  }

  /** A local package whose {@code round2} macro and {@code helper_days} model vary by version. */
  private static Map<String, String> helpersPackage(String dir, int digits, int day) {
    return Map.of(
        dir + "/dbt_project.yml",
        "name: helpers\nversion: \"1.0." + digits + "\"\nconfig-version: 2\n",
        dir + "/macros/amounts.sql",
        "{% macro fmt_amount(col) %}{{ helpers.round2(col) }}{% endmacro %}\n"
            + "{% macro round2(col) %}round({{ col }}, "
            + digits
            + "){% endmacro %}\n"
            + "{% macro unused(col) %}{{ col }}{% endmacro %}\n",
        dir + "/models/helper_days.sql",
        "select " + day + " as d\n");
  }

  private void deps(Path repo) throws Exception {
    new RealDbt(temp).run(repo, "deps", List.of("deps"));
  }

  @Test
  void aPackageUpgradeBuildsTheModelsCallingAChangedMacroAndTheChangedPackageModels()
      throws Exception {
    Path repo = temp.resolve("repo");
    copyTree(projectRoot().resolve("examples/shop"), repo);
    Map<String, String> files = new java.util.HashMap<>();
    files.putAll(helpersPackage("helpers_v1", 2, 1));
    files.putAll(helpersPackage("helpers_v2", 3, 2));
    files.put(".gitignore", "dbt_packages/\ntarget/\nlogs/\n");
    files.put(
        "models/reporting/amounts.sql",
        "select {{ helpers.fmt_amount('amount_eur') }} as amount from {{ ref('orders') }}\n");
    files.put(
        "models/reporting/plain.sql",
        "select {{ helpers.unused('1') }} as one from {{ ref('orders') }}\n");
    files.put("packages.yml", "packages:\n  - local: helpers_v1\n");
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.createDirectories(repo.resolve(file.getKey()).getParent());
      Files.writeString(repo.resolve(file.getKey()), file.getValue());
    }
    Files.createDirectories(temp.resolve("profiles"));
    deps(repo);
    String v1 = commitAll(repo, "v1");
    Path m1 = parse(repo, "v1");
    Files.writeString(repo.resolve("packages.yml"), "packages:\n  - local: helpers_v2\n");
    deps(repo);
    String v2 = commitAll(repo, "v2: helpers 1.0.3");
    Path m2 = parse(repo, "v2");
    Plan plan;
    try (JGitRepository repository = JGitRepository.open(repo)) {
      plan =
          new ProjectPlanner(repository, "")
              .plan(v1, v2, ManifestReader.read(m1), ManifestReader.read(m2), null);
    }
    List<String> dbtSelects = stateModified(repo, temp.resolve("target-v1"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("public", Action.DEPLOY, List.of("model.helpers.helper_days")),
            tuple("raw", Action.NOOP, List.of()),
            tuple("staging", Action.NOOP, List.of()),
            tuple("marts", Action.NOOP, List.of()),
            tuple("reporting", Action.DEPLOY, List.of("model.shop.amounts")));
    assertThat(plan.steps().get(0).reasons())
        .containsExactly("model.helpers.helper_days changed (models/helper_days.sql)");
    assertThat(plan.steps().get(4).reasons())
        .containsExactly(
            "model.shop.amounts uses changed macro macro.helpers.fmt_amount, which calls changed"
                + " macro macro.helpers.round2");
    assertThat(dbtSelects)
        .containsExactlyInAnyOrder("model.helpers.helper_days", "model.shop.amounts");
  }

  /** The models real `dbt ls -s state:modified+` selects in the repository against a state. */
  private List<String> stateModified(Path repo, Path state) throws Exception {
    return new RealDbt(temp).stateModified(repo, state, "ls");
  }

  private static final String ON_RUN_END_CHANGED =
      "on-run-end hook operation.shop.shop-on-run-end-0 changed:"
          + " hooks run around every deploy and cannot be attributed to schemas";

  /** A noop step of a schema the change does not reach, as the step's extracted tuple. */
  private static Tuple unchanged(Plan plan, String schema) {
    return tuple(schema, Action.NOOP, List.of(), List.of(unchangedSince(plan)));
  }

  private static String unchangedSince(Plan plan) {
    return "unchanged since " + plan.from().substring(0, 7);
  }

  /** Replaces text that must be there, so that a changed example fails here, not in an assert. */
  private static String replace(String text, String target, String replacement) {
    assertThat(text).contains(target);
    return text.replace(target, replacement);
  }

  @Test
  void planOfTheExampleBetweenTwoCommitsWithRealManifests() throws Exception {
    Path repo = temp.resolve("repo");
    Path examples = projectRoot().resolve("examples");
    copyTree(examples.resolve("shop"), repo);
    String v1 = commitAll(repo, "v1");
    Path m1 = parse(repo, "v1");
    copyTree(examples.resolve("changes/v2"), repo);
    String v2 = commitAll(repo, "v2");
    Path m2 = parse(repo, "v2");

    Plan first;
    Plan change;
    try (JGitRepository repository = JGitRepository.open(repo)) {
      ProjectPlanner planner = new ProjectPlanner(repository, "");
      first = planner.plan(null, v1, null, ManifestReader.read(m1), null);
      change = planner.plan(v1, v2, ManifestReader.read(m1), ManifestReader.read(m2), null);
    }

    assertThat(first.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple(
                "raw",
                Action.FULL_DEPLOY,
                List.of("seed.shop.raw_customers", "seed.shop.raw_orders")),
            tuple(
                "staging",
                Action.FULL_DEPLOY,
                List.of("model.shop.stg_customers", "model.shop.stg_orders")),
            tuple(
                "marts",
                Action.FULL_DEPLOY,
                List.of(
                    "model.shop.customers",
                    "model.shop.order_events",
                    "model.shop.orders",
                    "snapshot.shop.customers_snapshot")),
            tuple("reporting", Action.FULL_DEPLOY, List.of("model.shop.daily_revenue")));
    assertThat(change.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::configChanges)
        .containsExactly(
            tuple("raw", Action.NOOP, List.of(), List.of()),
            tuple("staging", Action.NOOP, List.of(), List.of()),
            tuple(
                "marts",
                Action.DEPLOY,
                List.of("model.shop.customers", "model.shop.orders"),
                List.of("grants")),
            tuple("reporting", Action.DEPLOY, List.of("model.shop.daily_revenue"), List.of()));
    assertThat(change.steps().get(2).reasons())
        .containsExactly("model.shop.orders changed (models/marts/orders.sql)");
    assertThat(change.notes()).isEmpty();
  }
}
