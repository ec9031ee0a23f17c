package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.dbtoperator.Fixtures;
import io.dbtoperator.api.ViewChangePolicy;
import io.dbtoperator.git.ChangedFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** Plans on manifests that dbt wrote for real public projects. */
class FixturePlanTest {
  private static final String FROM = "1111111111111111111111111111111111111111";
  private static final String TO = "2222222222222222222222222222222222222222";

  /** Caltrans and Flipside read across schemas both ways; these settings break the cycles. */
  private static final OperatorConfig CALTRANS =
      config(Map.of("diagnostics", List.of("analytics", "vds")));

  private static final OperatorConfig FLIPSIDE =
      config(
          Map.of(
              "silver", List.of("bronze"),
              "silver_dex", List.of("silver"),
              "silver_nft", List.of("silver")));

  private static OperatorConfig config(Map<String, List<String>> dependsOn) {
    Map<String, SchemaPolicy> schemas = new LinkedHashMap<>();
    dependsOn.forEach(
        (schema, upstream) ->
            schemas.put(schema, new SchemaPolicy(schema, null, null, null, upstream, false)));
    return new OperatorConfig(
        ViewChangePolicy.DeployDependents, null, RefreshPolicy.NEVER, schemas);
  }

  private static Plan plan(
      String from,
      Manifest before,
      Manifest after,
      List<ChangedFile> files,
      OperatorConfig config) {
    return new ChangePlanner()
        .plan(
            new PlanInput(
                from,
                TO,
                files,
                before,
                after,
                config,
                config,
                ProjectLayout.DEFAULT,
                (commit, path) -> Optional.empty()));
  }

  private static List<Tuple> firstDeploy(String fixture, OperatorConfig config) {
    Plan plan =
        plan(null, null, ManifestReader.read(Fixtures.manifest(fixture)), List.of(), config);
    assertThat(plan.steps()).extracting(PlanStep::action).containsOnly(Action.FULL_DEPLOY);
    return plan.steps().stream()
        .map(s -> tuple(s.schema(), s.models().size(), s.dependsOn()))
        .toList();
  }

  @Test
  void firstDeployOfEveryFixtureBuildsEachSchemaWithAllItsRelations() {
    String p = "ci_should_not_create_this_schema_";
    assertThat(firstDeploy("cagov-data-infra-v12.json", OperatorConfig.EMPTY))
        .containsExactly(
            tuple(p + "building_footprints", 2, List.of()),
            tuple(p + "department_of_finance", 2, List.of()),
            tuple(p + "procurement", 4, List.of()),
            tuple(p + "snowflake_cost_tracking", 17, List.of()),
            tuple(p + "state_entities", 4, List.of(p + "department_of_finance")));
    assertThat(firstDeploy("caltrans-pems-v12.json", CALTRANS))
        .extracting(t -> t.toList().get(0), t -> t.toList().get(1))
        .containsExactly(
            tuple("analytics", 4),
            tuple("db96", 8),
            tuple("vds", 6),
            tuple("diagnostics", 10),
            tuple("clearinghouse", 12),
            tuple("geo", 2),
            tuple("imputation", 6),
            tuple("performance", 59),
            tuple("quality", 3));
    assertThat(firstDeploy("hubspot-v12.json", OperatorConfig.EMPTY))
        .containsExactly(tuple("public", 56, List.of()), tuple("public_hubspot", 150, List.of()));
    assertThat(firstDeploy("jaffle-shop-v11.json", OperatorConfig.EMPTY))
        .containsExactly(
            tuple("dbt_dconnors", 13, List.of()), tuple("jaffle_shop_raw", 6, List.of()));
    assertThat(firstDeploy("openedx-aspects-v12.json", OperatorConfig.EMPTY))
        .containsExactly(
            tuple("event_sink", 6, List.of()),
            tuple("openedx", 9, List.of()),
            tuple("reporting", 22, List.of("event_sink", "openedx")));
    assertThat(firstDeploy("flipside-ethereum-v4.json", FLIPSIDE))
        .extracting(t -> t.toList().get(0), t -> t.toList().get(1))
        .containsExactly(
            tuple("bronze", 4),
            tuple("silver", 13),
            tuple("silver_dex", 2),
            tuple("silver_nft", 6),
            tuple("core", 33),
            tuple("sushi", 4));
  }

  @Test
  void consecutiveFlipsideManifestsDeployTheChangedModelsAndWhatReadsThem() {
    Manifest before = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4-before.json"));
    Manifest after = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4-after.json"));

    Plan plan = plan(FROM, before, after, List.of(), FLIPSIDE);

    String m = "model.ethereum_models.";
    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple("bronze", Action.NOOP, List.of()),
            tuple("silver", Action.DEPLOY, List.of(m + "silver__nft_transfers")),
            tuple("silver_dex", Action.NOOP, List.of()),
            tuple(
                "silver_nft",
                Action.DEPLOY,
                List.of(
                    m + "silver_nft__looksrare_sales",
                    m + "silver_nft__metadata",
                    m + "silver_nft__opensea_sales")),
            tuple(
                "core",
                Action.DEPLOY,
                List.of(
                    m + "core__ez_nft_mints",
                    m + "core__ez_nft_sales",
                    m + "core__ez_nft_transfers",
                    m + "core__sv_ez_nft_sales",
                    m + "core__sv_ez_nft_transfers")),
            tuple("sushi", Action.NOOP, List.of()));
    assertThat(plan.steps().get(3).reasons())
        .containsExactly(
            m
                + "silver_nft__looksrare_sales changed (models/silver/nft/silver_nft__looksrare_sales.sql)",
            m + "silver_nft__metadata added (models/silver/nft/silver_nft__metadata.sql)",
            m
                + "silver_nft__opensea_sales changed (models/silver/nft/silver_nft__opensea_sales.sql)");
    assertThat(plan.summary()).isEqualTo("3 deploy");
  }

  @Test
  void caltransWithoutSettingsDeploysItsCycleAsOneGroup() {
    Plan plan =
        plan(
            null,
            null,
            ManifestReader.read(Fixtures.manifest("caltrans-pems-v12.json")),
            List.of(),
            OperatorConfig.EMPTY);

    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::dependsOn)
        .containsExactly(
            tuple("analytics", List.of()),
            tuple("db96", List.of()),
            tuple("vds", List.of("db96")),
            tuple("clearinghouse+diagnostics", List.of("analytics", "vds")),
            tuple("geo", List.of("analytics", "clearinghouse", "vds")),
            tuple("imputation", List.of("analytics", "clearinghouse", "diagnostics", "vds")),
            tuple(
                "performance",
                List.of("analytics", "clearinghouse", "diagnostics", "geo", "imputation", "vds")),
            tuple("quality", List.of("clearinghouse", "diagnostics", "imputation", "performance")));
    PlanStep group = plan.steps().get(3);
    assertThat(group.members())
        .extracting(PlanStep::schema, PlanStep::dependsOn)
        .containsExactly(
            tuple("clearinghouse", List.of("vds")),
            tuple("diagnostics", List.of("analytics", "vds")));
    assertThat(group.models())
        .hasSize(group.members().get(0).models().size() + group.members().get(1).models().size());
    assertThat(group.reasons())
        .singleElement()
        .asString()
        .startsWith("schemas that read each other (")
        .endsWith(
            ") deploy as one unit: built into staging together, tested, then swapped together");
    assertThat(plan.summary()).isEqualTo("9 full-deploy");
  }

  @Test
  void consecutiveFlipsideManifestsWithoutSettingsDeployTheChangedPartOfTheCycleTogether() {
    Manifest before = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4-before.json"));
    Manifest after = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4-after.json"));

    Plan plan = plan(FROM, before, after, List.of(), OperatorConfig.EMPTY);

    String m = "model.ethereum_models.";
    assertThat(plan.steps())
        .extracting(PlanStep::schema, PlanStep::action)
        .containsExactly(
            tuple("bronze", Action.NOOP),
            tuple("core+silver+silver_nft", Action.DEPLOY),
            tuple("silver_dex", Action.NOOP),
            tuple("sushi", Action.NOOP));
    assertThat(plan.steps().get(1).members())
        .extracting(PlanStep::schema, PlanStep::action, PlanStep::models)
        .containsExactly(
            tuple(
                "core",
                Action.DEPLOY,
                List.of(
                    m + "core__ez_nft_mints",
                    m + "core__ez_nft_sales",
                    m + "core__ez_nft_transfers",
                    m + "core__sv_ez_nft_sales",
                    m + "core__sv_ez_nft_transfers")),
            tuple("silver", Action.DEPLOY, List.of(m + "silver__nft_transfers")),
            tuple(
                "silver_nft",
                Action.DEPLOY,
                List.of(
                    m + "silver_nft__looksrare_sales",
                    m + "silver_nft__metadata",
                    m + "silver_nft__opensea_sales")));
    assertThat(plan.summary()).isEqualTo("3 deploy");
  }

  @Test
  void conservativePolicyOnAProjectWithUnknownMaterializations() {
    Manifest openedx = ManifestReader.read(Fixtures.manifest("openedx-aspects-v12.json"));
    OperatorConfig fullDeploy =
        new OperatorConfig(ViewChangePolicy.FullDeploy, null, RefreshPolicy.NEVER, Map.of());

    Plan plan = plan(FROM, openedx, openedx, List.of(), fullDeploy);

    assertThat(plan.steps()).extracting(PlanStep::action).containsOnly(Action.NOOP);
    assertThat(plan.hasChanges()).isFalse();
  }
}
