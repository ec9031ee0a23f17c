package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.Fixtures;
import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.api.ViewChangePolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SchemaGraphTest {

  // Expected graphs were computed independently with python3 over the fixture JSON: relation
  // nodes grouped by lower-cased node.schema, edges followed through ephemeral models.
  @Test
  void cagovDataInfra() {
    assertThat(describe(graphOf("cagov-data-infra-v12.json")))
        .containsExactly(
            "ci_should_not_create_this_schema_building_footprints Materialized 2 <- []",
            "ci_should_not_create_this_schema_department_of_finance Materialized 2 <- []",
            "ci_should_not_create_this_schema_procurement Materialized 4 <- []",
            "ci_should_not_create_this_schema_snowflake_cost_tracking Materialized 17 <- []",
            "ci_should_not_create_this_schema_state_entities Materialized 4"
                + " <- [ci_should_not_create_this_schema_department_of_finance]");
  }

  @Test
  void hubspot() {
    assertThat(describe(graphOf("hubspot-v12.json")))
        .containsExactly("public Materialized 56 <- []", "public_hubspot Materialized 150 <- []");
  }

  @Test
  void jaffleShopKeepsItsSeedsInTheirOwnSchema() {
    SchemaGraph graph = graphOf("jaffle-shop-v11.json");

    assertThat(describe(graph))
        .containsExactly(
            "dbt_dconnors Materialized 13 <- []", "jaffle_shop_raw Materialized 6 <- []");
    assertThat(graph.schema("jaffle_shop_raw").orElseThrow().relations())
        .containsExactly(
            "seed.jaffle_shop.raw_customers",
            "seed.jaffle_shop.raw_items",
            "seed.jaffle_shop.raw_orders",
            "seed.jaffle_shop.raw_products",
            "seed.jaffle_shop.raw_stores",
            "seed.jaffle_shop.raw_supplies");
    assertThat(graph.schemaOf("seed.jaffle_shop.raw_orders")).isEqualTo("jaffle_shop_raw");
    assertThat(graph.schemaOf("model.jaffle_shop.customers")).isEqualTo("dbt_dconnors");
  }

  @Test
  void openedxUnknownMaterializationsAreMaterialized() {
    SchemaGraph graph = graphOf("openedx-aspects-v12.json");

    assertThat(describe(graph))
        .containsExactly(
            "event_sink Materialized 6 <- []",
            "openedx Materialized 9 <- []",
            "reporting Materialized 22 <- [event_sink, openedx]");
    assertThat(
            graph.manifest().nodes().values().stream()
                .filter(ManifestNode::isRelation)
                .map(ManifestNode::materialized)
                .distinct()
                .sorted())
        .containsExactly("dictionary", "materialized_view", "view");
  }

  @Test
  void caltransSchemasThatReadEachOtherFormOneGroup() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("caltrans-pems-v12.json"));

    SchemaGraph graph = SchemaGraph.build(manifest, OperatorConfig.EMPTY);

    assertThat(describe(graph))
        .containsExactly(
            "analytics Materialized 4 <- []",
            "db96 Materialized 8 <- []",
            "vds Materialized 6 <- [db96]",
            "clearinghouse Materialized 12 <- [diagnostics, vds] group [clearinghouse, diagnostics]",
            "diagnostics Materialized 10 <- [analytics, clearinghouse, vds]"
                + " group [clearinghouse, diagnostics]",
            "geo Materialized 2 <- [analytics, clearinghouse, vds]",
            "imputation Materialized 6 <- [analytics, clearinghouse, diagnostics, vds]",
            "performance Materialized 59"
                + " <- [analytics, clearinghouse, diagnostics, geo, imputation, vds]",
            "quality Materialized 3 <- [clearinghouse, diagnostics, imputation, performance]");
    assertThat(graph.schema("diagnostics").orElseThrow().group().causes())
        .containsExactly(
            "model.caldata_mdsa_caltrans_pems.int_clearinghouse__detector_outlier_agg_five_minutes"
                + " in clearinghouse reads model.caldata_mdsa_caltrans_pems.int_diagnostics__detector_status"
                + " in diagnostics",
            "model.caldata_mdsa_caltrans_pems.diagnostics__detector_daily_by_station"
                + " in diagnostics reads seed.caldata_mdsa_caltrans_pems.counties in clearinghouse");
  }

  @Test
  void caltransBuildsOnceDependsOnBreaksTheCycle() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("caltrans-pems-v12.json"));
    OperatorConfig config = config(policy("diagnostics", null, List.of("analytics", "vds")));

    assertThat(describe(SchemaGraph.build(manifest, config)))
        .containsExactly(
            "analytics Materialized 4 <- []",
            "db96 Materialized 8 <- []",
            "vds Materialized 6 <- [db96]",
            "diagnostics Materialized 10 <- [analytics, vds]",
            "clearinghouse Materialized 12 <- [diagnostics, vds]",
            "geo Materialized 2 <- [analytics, clearinghouse, vds]",
            "imputation Materialized 6 <- [analytics, clearinghouse, diagnostics, vds]",
            "performance Materialized 59"
                + " <- [analytics, clearinghouse, diagnostics, geo, imputation, vds]",
            "quality Materialized 3 <- [clearinghouse, diagnostics, imputation, performance]");
  }

  @Test
  void flipsideCoreAndSilverFormOneGroupInEveryFixture() {
    for (String file :
        List.of(
            "flipside-ethereum-v4.json",
            "flipside-ethereum-v4-before.json",
            "flipside-ethereum-v4-after.json")) {
      Manifest manifest = ManifestReader.read(Fixtures.manifest(file));

      SchemaGraph graph = SchemaGraph.build(manifest, OperatorConfig.EMPTY);

      assertThat(graph.schema("silver").orElseThrow().group().members())
          .as(file)
          .containsExactly("core", "silver", "silver_dex", "silver_nft");
      assertThat(graph.schema("sushi").orElseThrow().group()).as(file).isNull();
    }
    assertThat(
            describe(
                SchemaGraph.build(
                    ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4.json")),
                    OperatorConfig.EMPTY)))
        .containsExactly(
            "bronze Materialized 4 <- []",
            "core Materialized 33 <- [silver, silver_dex, silver_nft]"
                + " group [core, silver, silver_dex, silver_nft]",
            "silver Materialized 13 <- [bronze, core] group [core, silver, silver_dex, silver_nft]",
            "silver_dex Materialized 2 <- [core, silver] group [core, silver, silver_dex, silver_nft]",
            "silver_nft Materialized 6 <- [core, silver, silver_dex]"
                + " group [core, silver, silver_dex, silver_nft]",
            "sushi Materialized 4 <- [core, silver, silver_dex]");
  }

  private static final OperatorConfig FLIPSIDE_UNTANGLED =
      config(
          policy("silver", null, List.of("bronze")),
          policy("silver_dex", null, List.of("silver")),
          policy("silver_nft", null, List.of("silver")));

  @Test
  void flipsideUsesNodeSchemaAndBuildsOnceDependsOnBreaksTheCycles() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4.json"));

    assertThat(describe(SchemaGraph.build(manifest, FLIPSIDE_UNTANGLED)))
        .containsExactly(
            "bronze Materialized 4 <- []",
            "silver Materialized 13 <- [bronze]",
            "silver_dex Materialized 2 <- [silver]",
            "silver_nft Materialized 6 <- [silver]",
            "core Materialized 33 <- [silver, silver_dex, silver_nft]",
            "sushi Materialized 4 <- [core, silver, silver_dex]");
  }

  @Test
  void flipsideBeforeAndAfterDifferInSilverNft() {
    Manifest before = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4-before.json"));
    Manifest after = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4-after.json"));

    List<String> expectedPrefix =
        List.of(
            "bronze Materialized 4 <- []",
            "silver Materialized 13 <- [bronze]",
            "silver_dex Materialized 2 <- [silver]");
    assertThat(describe(SchemaGraph.build(before, FLIPSIDE_UNTANGLED)))
        .startsWith(expectedPrefix.toArray(String[]::new))
        .endsWith(
            "silver_nft Materialized 2 <- [silver]",
            "core Materialized 31 <- [silver, silver_dex, silver_nft]",
            "sushi Materialized 2 <- [silver_dex]");
    assertThat(describe(SchemaGraph.build(after, FLIPSIDE_UNTANGLED)))
        .startsWith(expectedPrefix.toArray(String[]::new))
        .endsWith(
            "silver_nft Materialized 3 <- [silver]",
            "core Materialized 31 <- [silver, silver_dex, silver_nft]",
            "sushi Materialized 2 <- [silver_dex]");
  }

  @Test
  void hubspotEphemeralModelsBelongToNoSchema() {
    SchemaGraph graph = graphOf("hubspot-v12.json");

    assertThat(graph.schemaOf("model.hubspot.int_hubspot__email_event_aggregates")).isNull();
    assertThat(graph.schema("public_hubspot").orElseThrow().relations())
        .doesNotContain("model.hubspot.int_hubspot__email_event_aggregates")
        .contains("model.hubspot.hubspot__daily_ticket_history");
  }

  @Test
  void followsDependenciesThroughEphemeralModels() {
    SchemaGraph graph =
        SchemaGraph.build(
            manifest(
                node("seed.p.raw_orders", "seed", "raw", "seed"),
                node("model.p.stg_orders", "model", "staging", "ephemeral", "seed.p.raw_orders"),
                node(
                    "model.p.int_orders",
                    "model",
                    "staging",
                    "ephemeral",
                    "model.p.stg_orders",
                    "source.p.shop.orders"),
                node(
                    "model.p.orders",
                    "model",
                    "marts",
                    "table",
                    "model.p.int_orders",
                    "model.p.gone"),
                node("model.p.orders_v", "model", "reports", "view", "model.p.orders"),
                node("test.p.not_null_orders_id", "test", "audit", "test", "model.p.orders")),
            OperatorConfig.EMPTY);

    assertThat(describe(graph))
        .containsExactly(
            "raw Materialized 1 <- []",
            "marts Materialized 1 <- [raw]",
            "reports ViewOnly 1 <- [marts]");
    assertThat(graph.schemaOf("model.p.stg_orders")).isNull();
    assertThat(graph.schemaOf("test.p.not_null_orders_id")).isNull();
    assertThat(graph.schemaOf("model.p.unknown")).isNull();
    assertThat(graph.downstreamRelations(List.of("seed.p.raw_orders")))
        .containsExactly("model.p.orders", "model.p.orders_v", "seed.p.raw_orders");
    assertThat(graph.downstreamRelations(List.of("source.p.shop.orders")))
        .containsExactly("model.p.orders", "model.p.orders_v");
    assertThat(graph.downstreamRelations(List.of("model.p.stg_orders", "model.p.orders_v")))
        .containsExactly("model.p.orders", "model.p.orders_v");
    assertThat(graph.transitiveDependents("raw")).containsExactly("marts", "reports");
    assertThat(graph.transitiveDependents("reports")).isEmpty();
    assertThat(graph.transitiveDependents("nowhere")).isEmpty();
  }

  @Test
  void schemasThatReadEachOtherThroughEphemeralModelsFormAGroupNamingEachEdge() {
    Manifest manifest =
        manifest(
            node("model.p.a", "model", "marts", "table", "model.p.b"),
            node("model.p.b", "model", "staging", "view", "model.p.z"),
            node("model.p.c", "model", "staging", "view", "model.p.e"),
            node("model.p.e", "model", "marts", "ephemeral", "model.p.d"),
            node("model.p.d", "model", "marts", "table"),
            node("model.p.z", "model", "staging", "view", "model.p.d"),
            node("model.p.r", "model", "reports", "view", "model.p.a"),
            node("model.p.w", "model", "raw", "table"),
            node("model.p.y", "model", "staging", "view", "model.p.w"));

    SchemaGraph graph = SchemaGraph.build(manifest, OperatorConfig.EMPTY);

    assertThat(describe(graph))
        .containsExactly(
            "raw Materialized 1 <- []",
            "marts Materialized 2 <- [staging] group [marts, staging]",
            "staging ViewOnly 4 <- [marts, raw] group [marts, staging]",
            "reports ViewOnly 1 <- [marts]");
    assertThat(graph.schema("staging").orElseThrow().dependsOnOutsideGroup())
        .containsExactly("raw");
    assertThat(graph.schema("marts").orElseThrow().group().reason(List.of("marts", "staging")))
        .isEqualTo(
            "schemas that read each other (model.p.a in marts reads model.p.b in staging;"
                + " model.p.c in staging reads model.p.d in marts) deploy as one unit: built into"
                + " staging together, tested, then swapped together");
    assertThat(graph.schema("marts").orElseThrow().group().reason(List.of("marts")))
        .endsWith("swapped together; staging builds nothing and is read live");
  }

  @Test
  void aGroupThroughAnExplicitDependsOnNamesTheSetting() {
    Manifest manifest =
        manifest(
            node("model.p.a", "model", "marts", "table", "model.p.b"),
            node("model.p.b", "model", "staging", "view"));

    SchemaGraph graph =
        SchemaGraph.build(manifest, config(policy("staging", null, List.of("MARTS"))));

    assertThat(graph.schema("staging").orElseThrow().group().causes())
        .containsExactly(
            "model.p.a in marts reads model.p.b in staging",
            "staging lists marts in its dependsOn setting");
  }

  @Test
  void explicitKindAndDependsOnOverrideTheManifest() {
    Manifest manifest =
        manifest(
            node("model.p.a", "model", "marts", "view", "model.p.b"),
            node("model.p.b", "model", "staging", "table"),
            node("model.p.c", "model", "lookup", "view"));
    SchemaPolicy marts = policy("marts", SchemaKind.Materialized, List.of("lookup"));

    SchemaGraph graph = SchemaGraph.build(manifest, config(marts));

    assertThat(describe(graph))
        .containsExactly(
            "lookup ViewOnly 1 <- []",
            "marts Materialized! 1 <- [lookup]",
            "staging Materialized 1 <- []");
    assertThat(graph.schema("MARTS").orElseThrow().policy()).isSameAs(marts);
    assertThat(graph.schema("lookup").orElseThrow().policy()).isNull();
    assertThat(graph.transitiveDependents("staging")).isEmpty();
  }

  @Test
  void emptyExplicitDependsOnRemovesAllEdges() {
    Manifest manifest =
        manifest(
            node("model.p.a", "model", "marts", "table", "model.p.b"),
            node("model.p.b", "model", "staging", "table"));

    SchemaGraph graph = SchemaGraph.build(manifest, config(policy("marts", null, List.of())));

    assertThat(describe(graph))
        .containsExactly("marts Materialized 1 <- []", "staging Materialized 1 <- []");
  }

  @Test
  void dependsOnNamingAnUnknownSchemaIsAnError() {
    Manifest manifest =
        manifest(
            node("model.p.a", "model", "marts", "table"),
            node("model.p.b", "model", "staging", "table"));

    assertThatThrownBy(
            () ->
                SchemaGraph.build(
                    manifest, config(policy("marts", null, List.of("staging", "stagign")))))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "schema marts: dependsOn entry \"stagign\" is not a schema of the project"
                + " (schemas: marts, staging)");
    assertThatThrownBy(
            () -> SchemaGraph.build(manifest, config(policy("marts", null, List.of("Marts")))))
        .isInstanceOf(PlanException.class)
        .hasMessage("schema marts: dependsOn entry \"Marts\" names the schema itself");
  }

  @Test
  void projectWithoutRelationsIsAnError() {
    Manifest manifest =
        manifest(
            node("model.p.e", "model", "staging", "ephemeral"),
            node("test.p.t", "test", "audit", "test", "model.p.e"));

    assertThatThrownBy(() -> SchemaGraph.build(manifest, OperatorConfig.EMPTY))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest test-manifest.json: the project has no enabled models, seeds or snapshots");
  }

  @Test
  void groupsSchemasCaseInsensitively() {
    Manifest manifest =
        manifest(
            node("model.p.b", "model", "staging", "view"),
            node("model.p.a", "model", "STAGING", "view"),
            node("snapshot.p.s", "snapshot", "Snapshots", "snapshot"),
            node("model.p.m", "model", "marts", "table", "model.p.b", "snapshot.p.s"));
    SchemaPolicy staging = policy("Staging", null, null);

    SchemaGraph graph = SchemaGraph.build(manifest, config(staging, policy("nowhere", null, null)));

    assertThat(describe(graph))
        .containsExactly(
            "Snapshots Materialized 1 <- []",
            "STAGING ViewOnly 2 <- []",
            "marts Materialized 1 <- [Snapshots, STAGING]");
    assertThat(graph.schema("staging").orElseThrow().policy()).isSameAs(staging);
    assertThat(graph.schema("snapshots").orElseThrow().relations()).containsExactly("snapshot.p.s");
    assertThat(graph.schemaOf("model.p.b")).isEqualTo("STAGING");
    assertThat(graph.transitiveDependents("Staging")).containsExactly("marts");
    assertThat(graph.unmatchedPolicies()).containsExactly("nowhere");
  }

  @Test
  void settingsNamingOneSchemaTwiceAreAnError() {
    Manifest manifest = manifest(node("model.p.a", "model", "marts", "table"));

    assertThatThrownBy(
            () ->
                SchemaGraph.build(
                    manifest, config(policy("MARTS", null, null), policy("marts", null, null))))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "settings name schema \"marts\" twice (as \"MARTS\" and \"marts\");"
                + " schema names are case-insensitive");
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void handlesTwentyThousandModels() {
    int schemas = 40;
    int perSchema = 500;
    List<ManifestNode> nodes = new ArrayList<>();
    for (int s = 0; s < schemas; s++) {
      for (int i = 0; i < perSchema; i++) {
        List<String> parents = new ArrayList<>();
        if (i > 0) {
          parents.add(id(s, i - 1));
        }
        if (s > 0) {
          parents.add(id(s - 1, (i * 7) % perSchema));
        }
        nodes.add(node(id(s, i), "model", "schema_" + s, "table", parents.toArray(String[]::new)));
      }
    }

    SchemaGraph graph = SchemaGraph.build(manifest(nodes.toArray(ManifestNode[]::new)), null);

    assertThat(graph.schemas()).hasSize(schemas);
    assertThat(graph.schemas().get(0).name()).isEqualTo("schema_0");
    assertThat(graph.schemas().get(schemas - 1).name()).isEqualTo("schema_39");
    assertThat(graph.schemas().get(5).dependsOn()).containsExactly("schema_4");
    assertThat(graph.transitiveDependents("schema_0")).hasSize(schemas - 1);
    assertThat(graph.downstreamRelations(List.of(id(0, 0)))).hasSize(schemas * perSchema);
    assertThat(graph.downstreamRelations(List.of(id(39, 498))))
        .containsExactly(id(39, 498), id(39, 499));
  }

  private static String id(int schema, int index) {
    return String.format("model.p.m_%02d_%03d", schema, index);
  }

  private static SchemaGraph graphOf(String fixture) {
    return SchemaGraph.build(ManifestReader.read(Fixtures.manifest(fixture)), OperatorConfig.EMPTY);
  }

  /**
   * One line per schema in dependency order: name, kind (! when explicit), relation count, deps.
   */
  private static List<String> describe(SchemaGraph graph) {
    return graph.schemas().stream()
        .map(
            schema ->
                schema.name()
                    + " "
                    + schema.kind()
                    + (schema.kindExplicit() ? "!" : "")
                    + " "
                    + schema.relations().size()
                    + " <- "
                    + schema.dependsOn()
                    + (schema.group() == null ? "" : " group " + schema.group().members()))
        .toList();
  }

  private static ManifestNode node(
      String id, String type, String schema, String materialized, String... parents) {
    return new ManifestNode(
        id,
        type,
        "p",
        id.substring(id.lastIndexOf('.') + 1),
        "db",
        schema,
        id.substring(id.lastIndexOf('.') + 1),
        materialized,
        "checksum-of-" + id,
        "models/" + id + ".sql",
        Arrays.asList(parents),
        List.of(),
        Map.of("materialized", "\"" + materialized + "\""),
        null,
        List.of("p", id.substring(id.lastIndexOf('.') + 1)));
  }

  private static Manifest manifest(ManifestNode... nodes) {
    Map<String, ManifestNode> byId = new LinkedHashMap<>();
    for (ManifestNode node : nodes) {
      byId.put(node.uniqueId(), node);
    }
    return new Manifest(
        "test-manifest.json", "v12", "p", "postgres", byId, Map.of(), Map.of(), Map.of());
  }

  private static SchemaPolicy policy(String schema, SchemaKind kind, List<String> dependsOn) {
    return new SchemaPolicy(schema, kind, null, Map.of(), dependsOn, false);
  }

  private static OperatorConfig config(SchemaPolicy... policies) {
    Map<String, SchemaPolicy> bySchema = new HashMap<>();
    for (SchemaPolicy policy : policies) {
      bySchema.put(policy.schema(), policy);
    }
    return new OperatorConfig(
        ViewChangePolicy.DeployDependents, null, RefreshPolicy.NEVER, bySchema);
  }
}
