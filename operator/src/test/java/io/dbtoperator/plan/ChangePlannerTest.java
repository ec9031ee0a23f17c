package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbtoperator.TestProject;
import io.dbtoperator.git.JGitRepository;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangePlannerTest {
  @TempDir Path temp;

  private Plan plan(
      TestProject project, String from, Manifest fromManifest, String to, Manifest toManifest) {
    try (JGitRepository repo = JGitRepository.open(project.root())) {
      return new ProjectPlanner(repo, "").plan(from, to, fromManifest, toManifest, null);
    }
  }

  /** Commits the project as is, applies a change, commits again and plans between the two. */
  private Plan planChange(TestProject project, java.util.function.Consumer<TestProject> change) {
    String from = project.commit("before");
    Manifest before = project.manifest();
    change.accept(project);
    String to = project.commit("after");
    Manifest after = project.manifest();
    return plan(project, from, before, to, after);
  }

  private static Object[] row(String schema, Action action, List<String> models) {
    return new Object[] {schema, action, models};
  }

  @Test
  void firstDeployBuildsEverySchemaInDependencyOrder() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String to = project.commit("initial");

    Plan plan = plan(project, null, null, to, project.manifest());

    assertThat(plan.from()).isNull();
    assertThat(plan.to()).isEqualTo(to);
    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::dependsOn)
        .containsExactly(
            tuple("raw", Action.FULL_DEPLOY, project.ids("raw_customers", "raw_orders"), List.of()),
            tuple(
                "staging",
                Action.FULL_DEPLOY,
                project.ids("stg_customers", "stg_orders"),
                List.of("raw")),
            tuple(
                "marts",
                Action.FULL_DEPLOY,
                project.ids("customers", "order_events", "orders"),
                List.of("staging")),
            tuple("reporting", Action.FULL_DEPLOY, project.ids("daily_revenue"), List.of("marts")));
    assertThat(plan.steps())
        .allSatisfy(
            s -> assertThat(s.reasons()).containsExactly("first deploy: nothing is live yet"));
    assertThat(plan.summary()).isEqualTo("4 full-deploy");
    assertThat(plan.hasChanges()).isTrue();
  }

  @Test
  void changedMaterializedSchemaDeploysWithTheDependentsThatReadTheChange() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p -> p.edit("model.shop.orders", "select 2 as id from {{ ref('int_order_totals') }}"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "raw",
                Action.NOOP,
                List.of(),
                List.of("unchanged since " + plan.from().substring(0, 7))),
            tuple(
                "staging",
                Action.NOOP,
                List.of(),
                List.of("unchanged since " + plan.from().substring(0, 7))),
            tuple(
                "marts",
                Action.DEPLOY,
                project.ids("customers", "orders"),
                List.of("model.shop.orders changed (models/marts/orders.sql)")),
            tuple(
                "reporting",
                Action.DEPLOY,
                project.ids("daily_revenue"),
                List.of("reads changed models upstream in marts")));
    assertThat(plan.summary()).isEqualTo("2 deploy");
  }

  @Test
  void changedTopLevelViewSchemaDeploysAlone() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p -> p.edit("model.shop.daily_revenue", "select 3 as id from {{ ref('orders') }}"));

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(tuple("reporting", Action.DEPLOY, project.ids("daily_revenue")));
  }

  @Test
  void changedLowLevelViewSchemaDeploysWithItsDependents() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p -> p.edit("model.shop.stg_orders", "select 4 as id from {{ ref('raw_orders') }}"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("raw", Action.NOOP, List.of()),
            tuple("staging", Action.DEPLOY, project.ids("stg_orders")),
            tuple("marts", Action.DEPLOY, project.ids("customers", "order_events", "orders")),
            tuple("reporting", Action.DEPLOY, project.ids("daily_revenue")));
  }

  @Test
  void dependentSchemaThatReadsNoChangedModelIsNotRebuilt() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p ->
                p.edit(
                    "model.shop.stg_customers", "select 5 as id from {{ ref('raw_customers') }}"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("raw", Action.NOOP, List.of()),
            tuple("staging", Action.DEPLOY, project.ids("stg_customers")),
            tuple("marts", Action.DEPLOY, project.ids("customers")),
            tuple("reporting", Action.NOOP, List.of()));
  }

  @Test
  void fullDeployPolicyRedeploysEverythingWhenAViewSchemaWithDependentsChanges() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    project.file("dbt-operator.yml", "viewChangePolicy: FullDeploy\n");

    Plan plan =
        planChange(
            project,
            p ->
                p.edit(
                    "model.shop.stg_customers", "select 5 as id from {{ ref('raw_customers') }}"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action)
        .containsExactly(
            tuple("raw", Action.FULL_DEPLOY),
            tuple("staging", Action.FULL_DEPLOY),
            tuple("marts", Action.FULL_DEPLOY),
            tuple("reporting", Action.FULL_DEPLOY));
    assertThat(plan.steps().get(0).reasons())
        .containsExactly(
            "view-only schema staging changed and other schemas read it (viewChangePolicy FullDeploy)");
  }

  @Test
  void fullDeployPolicyStillDeploysATopLevelViewSchemaAlone() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    project.file("dbt-operator.yml", "viewChangePolicy: FullDeploy\n");

    Plan plan =
        planChange(
            project,
            p -> p.edit("model.shop.daily_revenue", "select 3 as id from {{ ref('orders') }}"));

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::action)
        .containsExactly(tuple("reporting", Action.DEPLOY));
  }

  @Test
  void operatorConfigChangeAppliesWithoutRebuild() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    project.file(
        "dbt-operator.yml", "schemas:\n  - schema: marts\n    grants:\n      analyst: [SELECT]\n");

    Plan plan =
        planChange(
            project,
            p ->
                p.file(
                    "dbt-operator.yml",
                    "schemas:\n  - schema: marts\n    grants:\n      analyst: [SELECT]\n      finance: [SELECT]\n    refresh:\n      every: PT1H\n"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::configChanges)
        .containsExactly(
            tuple("raw", Action.NOOP, List.of()),
            tuple("staging", Action.NOOP, List.of()),
            tuple("marts", Action.NOOP, List.of("refresh", "grants")),
            tuple("reporting", Action.NOOP, List.of()));
    assertThat(plan.hasChanges()).isTrue();
    assertThat(plan.summary()).isEqualTo("1 config");
  }

  /** The shop with a model reading a var directly and one reading another through a macro. */
  private static TestProject shopReadingVars(Path root) {
    TestProject project = TestProject.shop(root);
    project.edit(
        "model.shop.daily_revenue",
        "select {{ var('min_amount') }} as id from {{ ref('orders') }}");
    project.editMacro("cents_to_dollars", "{{ col }} / {{ var(\"cents\", 100) }}");
    project.file(
        "dbt_project.yml", projectFileWithVars("cents: 100\n  min_amount: 5\n  unused: 1"));
    return project;
  }

  private static String projectFileWithVars(String vars) {
    return "name: shop\nversion: '1.0'\nprofile: test\nvars:\n  " + vars + "\n";
  }

  @Test
  void aChangedVarRebuildsTheModelsThatReadIt() {
    TestProject project = shopReadingVars(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p ->
                p.file(
                    "dbt_project.yml",
                    projectFileWithVars("cents: 100\n  min_amount: 6\n  unused: 1")));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            unchanged(plan, "raw"),
            unchanged(plan, "staging"),
            unchanged(plan, "marts"),
            tuple(
                "reporting",
                Action.DEPLOY,
                project.ids("daily_revenue"),
                List.of(
                    "model.shop.daily_revenue reads var min_amount"
                        + " (vars changed in dbt_project.yml: min_amount)")));
  }

  @Test
  void aChangedVarReadThroughAMacroRebuildsTheModelsCallingIt() {
    TestProject project = shopReadingVars(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p ->
                p.file(
                    "dbt_project.yml",
                    projectFileWithVars("cents: 1000\n  min_amount: 5\n  unused: 2")));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            unchanged(plan, "raw"),
            unchanged(plan, "staging"),
            tuple(
                "marts",
                Action.DEPLOY,
                project.ids("customers", "orders"),
                List.of(
                    "model.shop.orders reads var cents through macro.shop.cents_to_dollars"
                        + " (vars changed in dbt_project.yml: cents, unused)")),
            tuple(
                "reporting",
                Action.DEPLOY,
                project.ids("daily_revenue"),
                List.of("reads changed models upstream in marts")));
  }

  @Test
  void aVarNameBuiltAtRunTimeCountsAsReadingEveryChangedVar() {
    TestProject project = shopReadingVars(temp.resolve("repo"));
    project.edit(
        "model.shop.stg_customers",
        "select {{ var('region_' ~ target.name) }} as id from {{ ref('raw_customers') }}");

    Plan plan =
        planChange(
            project,
            p ->
                p.file(
                    "dbt_project.yml",
                    projectFileWithVars("cents: 100\n  min_amount: 5\n  unused: 2")));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            unchanged(plan, "raw"),
            tuple(
                "staging",
                Action.DEPLOY,
                project.ids("stg_customers"),
                List.of(
                    "model.shop.stg_customers calls var() with a name built at run time"
                        + " (vars changed in dbt_project.yml: unused)")),
            tuple(
                "marts",
                Action.DEPLOY,
                project.ids("customers"),
                List.of("reads changed models upstream in staging")),
            unchanged(plan, "reporting"));
  }

  @Test
  void varsThatAreNotAMappingAreAnErrorNamingTheFile() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    assertThatThrownBy(
            () ->
                planChange(
                    project,
                    p -> p.file("dbt_project.yml", "name: shop\nprofile: test\nvars: [a, b]\n")))
        .isInstanceOf(PlanException.class)
        .hasMessageMatching(
            "dbt_project.yml at [0-9a-f]{7}: vars must be a mapping of names to values");
  }

  /** A noop step of a schema the change does not reach, as the step's extracted tuple. */
  private static Tuple unchanged(Plan plan, String schema) {
    return tuple(schema, Action.NOOP, List.of(), List.of(unchangedSince(plan)));
  }

  private static String unchangedSince(Plan plan) {
    return "unchanged since " + plan.from().substring(0, 7);
  }

  @Test
  void projectSettingsTheManifestsCannotShowAreEachAFullDeployReason() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p ->
                p.file(
                    "dbt_project.yml",
                    "name: shop\nversion: '2.0'\nprofile: test\n"
                        + "dispatch:\n  - macro_namespace: dbt_utils\n    search_order: [shop]\n"
                        + "quoting:\n  identifier: true\n"
                        + "sources:\n  shop:\n    +enabled: false\n"));

    assertThat(plan.steps()).extracting(PlanStep::action).containsOnly(Action.FULL_DEPLOY);
    assertThat(plan.steps().get(0).reasons())
        .containsExactly(
            "dbt_project.yml: dispatch changed, which the manifests cannot attribute to schemas"
                + " (full deploy)",
            "dbt_project.yml: quoting changed, which the manifests cannot attribute to schemas"
                + " (full deploy)",
            "dbt_project.yml: sources changed, which the manifests cannot attribute to schemas"
                + " (full deploy)");
  }

  @Test
  void projectFileChangeWithoutBothManifestsIsAFullDeploy() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    project.file("dbt_project.yml", "name: shop\nversion: '2.0'\nprofile: test\n");
    String to = project.commit("after");

    Plan plan = plan(project, from, null, to, project.manifest());

    assertThat(plan.steps()).extracting(PlanStep::action).containsOnly(Action.FULL_DEPLOY);
    assertThat(plan.steps().get(0).reasons())
        .containsExactly(
            "dbt_project.yml changed: project-wide settings cannot be attributed to schemas"
                + " without both manifests");
  }

  @Test
  void aPackagesChangeIsAttributedThroughBothManifestsAndIsAFullDeployWithoutOne() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    Manifest before = project.manifest();
    project.file(
        "packages.yml", "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n");
    String to = project.commit("after");

    Plan withBoth = plan(project, from, before, to, project.manifest());
    Plan withoutLive = plan(project, from, null, to, project.manifest());

    // The manifests show no changed package macro or model: nothing builds.
    assertThat(withBoth.steps()).extracting(PlanStep::action).containsOnly(Action.NOOP);
    assertThat(withoutLive.steps()).extracting(PlanStep::action).containsOnly(Action.FULL_DEPLOY);
    assertThat(withoutLive.steps().get(0).reasons())
        .containsExactly(
            "packages.yml changed: package changes cannot be attributed to schemas without both"
                + " manifests");
  }

  @Test
  void configChangeInAPropertiesFileIsCaughtWithoutAModelFileChange() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p -> p.configure("model.shop.customers", "incremental", Map.of("unique_key", "id")));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "raw",
                Action.NOOP,
                List.of(),
                List.of("unchanged since " + plan.from().substring(0, 7))),
            tuple(
                "staging",
                Action.NOOP,
                List.of(),
                List.of("unchanged since " + plan.from().substring(0, 7))),
            tuple(
                "marts",
                Action.DEPLOY,
                project.ids("customers"),
                List.of(
                    "model.shop.customers config changed: materialized \"table\" -> \"incremental\", unique_key unset -> \"id\"")),
            tuple(
                "reporting",
                Action.NOOP,
                List.of(),
                List.of("unchanged since " + plan.from().substring(0, 7))));
  }

  @Test
  void changedMacroRebuildsTheModelsThatUseIt() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(project, p -> p.editMacro("cents_to_dollars", "round({{ col }} / 100.0, 2)"));

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "marts",
                project.ids("customers", "orders"),
                List.of("model.shop.orders uses changed macro macro.shop.cents_to_dollars")),
            tuple(
                "reporting",
                project.ids("daily_revenue"),
                List.of("reads changed models upstream in marts")));
  }

  @Test
  void changedSeedRebuildsEverythingDownstream() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(project, p -> p.edit("seed.shop.raw_orders", "id,amount\n1,100\n2,250\n"));

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("raw", Action.DEPLOY, project.ids("raw_orders")),
            tuple("staging", Action.DEPLOY, project.ids("stg_orders")),
            tuple("marts", Action.DEPLOY, project.ids("customers", "order_events", "orders")),
            tuple("reporting", Action.DEPLOY, project.ids("daily_revenue")));
    assertThat(plan.steps().get(0).reasons())
        .containsExactly("seed.shop.raw_orders changed (seeds/raw_orders.csv)");
  }

  @Test
  void changedSnapshotDeploysItsSchema() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    project.snapshot("marts", "orders_snapshot", List.of("orders"));

    Plan plan =
        planChange(
            project,
            p ->
                p.edit(
                    "snapshot.shop.orders_snapshot",
                    "{% snapshot orders_snapshot %} select id from {{ ref('orders') }} {% endsnapshot %}"));

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "marts",
                project.ids("orders_snapshot"),
                List.of("snapshot.shop.orders_snapshot changed (snapshots/orders_snapshot.sql)")));
  }

  @Test
  void changedEphemeralModelRebuildsTheRelationsThatInlineIt() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p ->
                p.edit(
                    "model.shop.int_order_totals", "select 9 as id from {{ ref('stg_orders') }}"));

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "marts",
                project.ids("customers", "orders"),
                List.of("model.shop.int_order_totals changed (models/marts/int_order_totals.sql)")),
            tuple(
                "reporting",
                project.ids("daily_revenue"),
                List.of("reads changed models upstream in marts")));
  }

  @Test
  void changedTestRunsAgainInTheSchemaOfTheModelItTests() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p ->
                p.edit(
                    "test.shop.not_null_orders_id",
                    "select * from {{ ref('orders') }} where id is null or id < 0"));

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "marts",
                Action.DEPLOY,
                List.of("test.shop.not_null_orders_id"),
                List.of("test.shop.not_null_orders_id changed (tests/not_null_orders_id.sql)")));
  }

  @Test
  void addedAndRemovedModelsAreBuiltAndDropped() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p -> {
              p.remove("model.shop.order_events");
              p.model("marts", "refunds", "table", List.of("stg_orders"));
            });

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(
            PlanStep::schema,
            PlanStep::action,
            PlanStep::models,
            PlanStep::removed,
            PlanStep::reasons)
        .containsExactly(
            tuple(
                "marts",
                Action.DEPLOY,
                project.ids("refunds"),
                List.of("model.shop.order_events"),
                List.of(
                    "model.shop.refunds added (models/marts/refunds.sql)",
                    "model.shop.order_events removed")));
  }

  @Test
  void newSchemaIsFullyDeployedAndEmptiedSchemaIsRetired() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan =
        planChange(
            project,
            p -> {
              p.remove("model.shop.daily_revenue");
              p.model("finance", "revenue", "table", List.of("orders"));
            });

    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::removed)
        .containsExactly(
            tuple("finance", Action.FULL_DEPLOY, project.ids("revenue"), List.of()),
            tuple("reporting", Action.RETIRE, List.of(), List.of("model.shop.daily_revenue")));
    assertThat(plan.summary()).isEqualTo("1 full-deploy, 1 retire");
  }

  @Test
  void unchangedCommitsGiveANoChangePlan() {
    TestProject project = TestProject.shop(temp.resolve("repo"));

    Plan plan = planChange(project, p -> p.file("README.md", "docs only\n"));

    assertThat(plan.steps()).extracting(PlanStep::action).containsOnly(Action.NOOP);
    assertThat(plan.hasChanges()).isFalse();
    assertThat(plan.summary()).isEqualTo("no changes");
  }

  @Test
  void missingLiveManifestFallsBackToFileLevelRulesAndSaysSo() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    project.edit("model.shop.orders", "select 2 as id from {{ ref('int_order_totals') }}");
    String to = project.commit("after");

    Plan plan = plan(project, from, null, to, project.manifest());

    assertThat(plan.notes())
        .containsExactly(
            "no manifest for "
                + from.substring(0, 7)
                + " (live): pass --from-manifest (from `dbt parse`) for model-level precision;"
                + " planning with file-level rules");
    assertThat(plan.steps())
        .filteredOn(s -> s.action().changes())
        .extracting(PlanStep::schema, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "marts",
                project.ids("customers", "orders"),
                List.of("models/marts/orders.sql changed (model.shop.orders)")),
            tuple(
                "reporting",
                project.ids("daily_revenue"),
                List.of("reads changed models upstream in marts")));
  }

  @Test
  void fileLevelRulesDeployEverythingForAnUnattributableFile() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    project.configure("model.shop.customers", "incremental", Map.of("unique_key", "id"));
    String to = project.commit("after");

    Plan plan = plan(project, from, null, to, project.manifest());

    assertThat(plan.steps()).extracting(PlanStep::action).containsOnly(Action.FULL_DEPLOY);
    assertThat(plan.steps().get(0).reasons())
        .containsExactly(
            "models/properties.yml changed and cannot be attributed to a schema without both manifests");
  }

  @Test
  void noManifestAtAllIsAnErrorThatSaysWhatToPass() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    String to = project.commit("after");

    assertThatThrownBy(() -> plan(project, from, null, to, null))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "no manifest for "
                + to.substring(0, 7)
                + " nor "
                + from.substring(0, 7)
                + ": the schemas of the project are unknown; run `dbt parse` at "
                + to.substring(0, 7)
                + " and pass its target/manifest.json as --to-manifest");
  }

  @Test
  void bareRepositoryAndProjectSubdirectoryPlanTheSame() throws Exception {
    TestProject project = TestProject.shop(temp.resolve("repo"), "transform");
    String from = project.commit("before");
    Manifest before = project.manifest();
    project.edit("model.shop.daily_revenue", "select 3 as id from {{ ref('orders') }}");
    String to = project.commit("after");
    Manifest after = project.manifest();
    Path bare = temp.resolve("bare.git");
    Git.cloneRepository()
        .setURI(project.root().toUri().toString())
        .setDirectory(bare.toFile())
        .setBare(true)
        .call()
        .close();

    for (Path location : List.of(project.root(), bare)) {
      try (JGitRepository repo = JGitRepository.open(location)) {
        Plan plan = new ProjectPlanner(repo, "transform").plan(from, to, before, after, null);
        assertThat(plan.steps())
            .filteredOn(s -> s.action().changes())
            .extracting(PlanStep::schema, PlanStep::models)
            .containsExactly(tuple("reporting", project.ids("daily_revenue")));
      }
    }
  }

  @Test
  void unknownRevisionAndMissingCommitAreNamed() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String to = project.commit("initial");
    Manifest manifest = project.manifest();

    assertThatThrownBy(() -> plan(project, "release-9", manifest, to, manifest))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "repository "
                + project.root()
                + ": unknown revision \"release-9\" (no such branch, tag or commit)");
    assertThatThrownBy(
            () -> plan(project, "0123456789abcdef0123456789abcdef01234567", manifest, to, manifest))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "repository "
                + project.root()
                + ": commit 0123456789abcdef0123456789abcdef01234567 not found");
  }

  @Test
  void manifestFromAnotherCommitIsRejected() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    Manifest before = project.manifest();
    project.edit("model.shop.orders", "select 2 as id from {{ ref('int_order_totals') }}");
    String to = project.commit("after");

    assertThatThrownBy(() -> plan(project, from, before, to, before))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith("manifest ")
        .hasMessageEndingWith(
            " does not match commit "
                + to.substring(0, 7)
                + ": models/marts/orders.sql at that commit differs from the file the manifest was written from");
  }

  @Test
  void manifestFromAnotherCommitWrittenOnWindowsIsRejected() throws Exception {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    Path before = windowsPaths(project.writeManifest());
    project.edit("model.shop.orders", "select 2 as id from {{ ref('int_order_totals') }}");
    String to = project.commit("after");

    assertThatThrownBy(
            () -> plan(project, from, ManifestReader.read(before), to, ManifestReader.read(before)))
        .isInstanceOf(PlanException.class)
        .hasMessageEndingWith(
            " does not match commit "
                + to.substring(0, 7)
                + ": models/marts/orders.sql at that commit differs from the file the manifest was written from");
  }

  /** The manifest as dbt writes it on Windows: original_file_path with backslashes. */
  private static Path windowsPaths(Path manifest) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode root = json.readTree(manifest.toFile());
    for (String section : List.of("nodes", "macros")) {
      root.get(section)
          .forEach(
              node ->
                  ((ObjectNode) node)
                      .put(
                          "original_file_path",
                          node.get("original_file_path").asText().replace('/', '\\')));
    }
    json.writeValue(manifest.toFile(), root);
    return manifest;
  }

  @Test
  void manifestOfAnotherProjectIsRejected() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    TestProject other = new TestProject(temp.resolve("other"), "", "billing");
    other.model("billing", "invoices", "table", List.of());
    other.commit("other");
    String to = project.commit("initial");

    assertThatThrownBy(() -> plan(project, null, null, to, other.manifest()))
        .isInstanceOf(PlanException.class)
        .hasMessageEndingWith(
            " does not match commit "
                + to.substring(0, 7)
                + ": it is for project billing but dbt_project.yml there names shop");
  }

  @Test
  void schemasThatReadEachOtherDeployAsOneGroupWithTheirReason() {
    TestProject project = TestProject.schemaCycle(temp.resolve("repo"));
    project.model("c", "c1", "table", List.of("a2"));
    String from = project.commit("cycle");
    Manifest fromManifest = project.manifest();
    project.model("a", "a1", "view", List.of());
    String to = project.commit("a1 becomes a view");

    Plan first = plan(project, null, null, from, fromManifest);
    Plan change = plan(project, from, fromManifest, to, project.manifest());

    String reason =
        "schemas that read each other (model.loop.a2 in a reads model.loop.b1 in b;"
            + " model.loop.b1 in b reads model.loop.a1 in a) deploy as one unit: built into"
            + " staging together, tested, then swapped together";
    assertThat(first.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::reasons, PlanStep::dependsOn)
        .containsExactly(
            tuple("a+b", Action.FULL_DEPLOY, List.of(reason), List.of()),
            tuple(
                "c",
                Action.FULL_DEPLOY,
                List.of("first deploy: nothing is live yet"),
                List.of("a")));
    assertThat(first.steps().get(0).members())
        .extracting(PlanStep::schema, PlanStep::reasons)
        .containsExactly(
            tuple("a", List.of("first deploy: nothing is live yet")),
            tuple("b", List.of("first deploy: nothing is live yet")));
    assertThat(change.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("a+b", Action.DEPLOY, List.of("model.loop.a1", "model.loop.a2", "model.loop.b1")),
            tuple("c", Action.DEPLOY, List.of("model.loop.c1")));
    assertThat(change.steps().get(0).members())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models, PlanStep::reasons)
        .containsExactly(
            tuple(
                "a",
                Action.DEPLOY,
                List.of("model.loop.a1", "model.loop.a2"),
                List.of("model.loop.a1 config changed: materialized \"table\" -> \"view\"")),
            tuple(
                "b",
                Action.DEPLOY,
                List.of("model.loop.b1"),
                List.of("reads changed models upstream in a")));
    // The engine runs one step per schema, each naming its group and why.
    assertThat(change.schemaSteps())
        .extracting(PlanStep::schema, PlanStep::group)
        .containsExactly(
            tuple("a", List.of("a", "b")), tuple("b", List.of("a", "b")), tuple("c", List.of()));
    assertThat(change.schemaSteps().get(1).reasons())
        .containsExactly("reads changed models upstream in a", reason);
    assertThat(change.summary()).isEqualTo("3 deploy");
  }

  @Test
  void aGroupMemberThatBuildsNothingLeavesTheOtherToDeployAlone() {
    TestProject project = TestProject.schemaCycle(temp.resolve("repo"));
    String from = project.commit("cycle");
    Manifest fromManifest = project.manifest();
    project.model("a", "a2", "view", List.of("b1"));
    String to = project.commit("a2 becomes a view");

    Plan change = plan(project, from, fromManifest, to, project.manifest());

    assertThat(change.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::group)
        .containsExactly(tuple("a", Action.DEPLOY, List.of()), tuple("b", Action.NOOP, List.of()));
  }

  @Test
  void emptyProjectIsRejected() {
    TestProject project = new TestProject(temp.resolve("repo"), "", "empty");
    String to = project.commit("empty");

    assertThatThrownBy(() -> plan(project, null, null, to, project.manifest()))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("the project has no enabled models, seeds or snapshots");
  }

  @Test
  void wrongProjectDirectoryIsNamed() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String to = project.commit("initial");

    try (JGitRepository repo = JGitRepository.open(project.root())) {
      assertThatThrownBy(
              () -> new ProjectPlanner(repo, "dbt").plan(null, to, null, project.manifest(), null))
          .isInstanceOf(PlanException.class)
          .hasMessage(
              "dbt/dbt_project.yml not found at "
                  + to.substring(0, 7)
                  + ": check --project-dir (spec.git.projectDir)");
    }
  }

  @Test
  void planHashChangesWithTheSteps() {
    TestProject project = TestProject.shop(temp.resolve("repo"));
    String from = project.commit("before");
    Manifest before = project.manifest();
    project.edit("model.shop.orders", "select 2 as id from {{ ref('int_order_totals') }}");
    String to = project.commit("after");
    Manifest after = project.manifest();

    Plan first = plan(project, from, before, to, after);
    Plan again = plan(project, from, before, to, after);
    Plan initial = plan(project, null, null, to, after);

    assertThat(first.hash()).isEqualTo(again.hash()).hasSize(16);
    assertThat(initial.hash()).isNotEqualTo(first.hash());
  }
}
