package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManifestReaderTest {

  // Expected values were computed independently with python3's json module over each fixture.
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          cagov-data-infra-v12.json       | v12 | dse_analytics              | snowflake  | model=29,test=58                | 598
          caltrans-pems-v12.json          | v12 | caldata_mdsa_caltrans_pems | snowflake  | model=104,seed=6,test=123       | 610
          flipside-ethereum-v4.json       | v4  | ethereum_models            | snowflake  | model=59,seed=3,test=601        | 655
          flipside-ethereum-v4-before.json| v4  | ethereum_models            | snowflake  | model=51,seed=3,test=403        | 655
          flipside-ethereum-v4-after.json | v4  | ethereum_models            | snowflake  | model=52,seed=3,test=403        | 655
          hubspot-v12.json                | v12 | hubspot_integration_tests  | postgres   | model=154,seed=56,test=73       | 791
          jaffle-shop-v11.json            | v11 | jaffle_shop                | postgres   | model=13,seed=6,test=20         | 635
          openedx-aspects-v12.json        | v12 | aspects                    | clickhouse | model=37,test=12                | 631
          """)
  void readsEveryFixture(
      String file,
      String version,
      String project,
      String adapter,
      String nodeCounts,
      int macroCount) {
    Path path = Fixtures.manifest(file);

    Manifest manifest = ManifestReader.read(path);

    assertThat(manifest.source()).isEqualTo(path.toString());
    assertThat(manifest.schemaVersion()).isEqualTo(version);
    assertThat(manifest.projectName()).isEqualTo(project);
    assertThat(manifest.adapterType()).isEqualTo(adapter);
    Map<String, Long> countsByType =
        manifest.nodes().values().stream()
            .collect(
                Collectors.groupingBy(
                    ManifestNode::resourceType, TreeMap::new, Collectors.counting()));
    assertThat(countsByType).isEqualTo(parseCounts(nodeCounts));
    assertThat(manifest.macros()).hasSize(macroCount);
    manifest.nodes().forEach((id, node) -> assertThat(node.uniqueId()).isEqualTo(id));
  }

  private static Map<String, Long> parseCounts(String text) {
    return Arrays.stream(text.split(","))
        .map(pair -> pair.split("="))
        .collect(
            Collectors.toMap(
                pair -> pair[0], pair -> Long.parseLong(pair[1]), (a, b) -> a, TreeMap::new));
  }

  @Test
  void readsV4ModelWithChecksumDependenciesAndConfig() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4.json"));

    ManifestNode node = manifest.nodes().get("model.ethereum_models.bronze__contracts_backfill");

    assertThat(node)
        .isEqualTo(
            new ManifestNode(
                "model.ethereum_models.bronze__contracts_backfill",
                "model",
                "ethereum_models",
                "bronze__contracts_backfill",
                "ETHEREUM_DEV",
                "bronze",
                "contracts_backfill",
                "incremental",
                "45207ee22c8bea8a468d522d5be02297da5309fca2342ea8617619acfcd4b84d",
                "models/bronze/bronze__contracts_backfill.sql",
                List.of("source.ethereum_models.flipside_silver.ethereum_contracts_backfill"),
                List.of(),
                Map.ofEntries(
                    Map.entry("enabled", "true"),
                    Map.entry("alias", "null"),
                    Map.entry("schema", "null"),
                    Map.entry("database", "null"),
                    Map.entry("meta", "{}"),
                    Map.entry("materialized", "\"incremental\""),
                    Map.entry("persist_docs", "{}"),
                    Map.entry("quoting", "{}"),
                    Map.entry("column_types", "{}"),
                    Map.entry("full_refresh", "null"),
                    Map.entry("on_schema_change", "\"ignore\""),
                    Map.entry("unique_key", "\"contract_address\""),
                    Map.entry("post-hook", "[]"),
                    Map.entry("pre-hook", "[]")),
                null,
                List.of("ethereum_models", "bronze", "bronze__contracts_backfill")));
  }

  @Test
  void readsV4TestDependenciesInManifestOrder() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4.json"));

    ManifestNode test = manifest.nodes().get("test.ethereum_models.silver__transactions__tx-gap");

    assertThat(test.dependsOnMacros()).containsExactly("macro.ethereum_models.tx_gaps");
    assertThat(test.dependsOnNodes())
        .containsExactly(
            "model.ethereum_models.silver__blocks",
            "model.ethereum_models.silver__transactions",
            "model.ethereum_models.silver__blocks");
    assertThat(test.checksum())
        .isEqualTo("65c68258e91e8a03312c4c39f19ef870828c3e9edc28b8b5d2f638ed9bf4e24c");
    assertThat(test.attachedNode()).isNull();
  }

  @Test
  void takesTheSchemaFromTheNodeNotFromConfigBecauseNamingMacrosResolveIt() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("flipside-ethereum-v4.json"));

    ManifestNode node = manifest.nodes().get("model.ethereum_models.bronze__contracts_backfill");

    assertThat(node.buildConfig()).containsEntry("schema", "null");
    assertThat(node.schema()).isEqualTo("bronze");
  }

  @Test
  void readsV12TestAttachedNodeAndEmptyChecksum() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("hubspot-v12.json"));

    ManifestNode test =
        manifest
            .nodes()
            .get("test.hubspot.unique_hubspot__daily_ticket_history_ticket_day_id.294440dc9c");

    assertThat(test.attachedNode()).isEqualTo("model.hubspot.hubspot__daily_ticket_history");
    assertThat(test.schema()).isEqualTo("public_dbt_test__audit");
    assertThat(test.checksum()).isEmpty();
    assertThat(test.dependsOnNodes())
        .containsExactly("model.hubspot.hubspot__daily_ticket_history");
    assertThat(test.dependsOnMacros())
        .containsExactly("macro.dbt.test_unique", "macro.dbt.get_where_subquery");
    assertThat(test.materialized()).isEqualTo("test");
  }

  @Test
  void readsV11ModelWithoutAttachedNode() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("jaffle-shop-v11.json"));

    ManifestNode customers = manifest.nodes().get("model.jaffle_shop.customers");

    assertThat(customers)
        .isEqualTo(
            new ManifestNode(
                "model.jaffle_shop.customers",
                "model",
                "jaffle_shop",
                "customers",
                "postgres",
                "dbt_dconnors",
                "customers",
                "table",
                "8eb8536e47dd61594c8175519625ae86c371f173d18d7fcbf87f46f1b0154b71",
                "models/marts/customers.sql",
                List.of(
                    "model.jaffle_shop.stg_customers",
                    "model.jaffle_shop.orders",
                    "model.jaffle_shop.order_items"),
                List.of(),
                Map.ofEntries(
                    Map.entry("enabled", "true"),
                    Map.entry("alias", "null"),
                    Map.entry("schema", "null"),
                    Map.entry("database", "null"),
                    Map.entry("meta", "{}"),
                    Map.entry("materialized", "\"table\""),
                    Map.entry("incremental_strategy", "null"),
                    Map.entry("persist_docs", "{}"),
                    Map.entry("post-hook", "[]"),
                    Map.entry("pre-hook", "[]"),
                    Map.entry("quoting", "{}"),
                    Map.entry("column_types", "{}"),
                    Map.entry("full_refresh", "null"),
                    Map.entry("unique_key", "null"),
                    Map.entry("on_schema_change", "\"ignore\""),
                    Map.entry("on_configuration_change", "\"apply\""),
                    Map.entry("grants", "{}"),
                    Map.entry("packages", "[]"),
                    Map.entry("docs", "{\"show\":true,\"node_color\":null}"),
                    Map.entry("contract", "{\"enforced\":false,\"alias_types\":true}"),
                    Map.entry("access", "\"protected\"")),
                null,
                List.of("jaffle_shop", "marts", "customers")));
  }

  @Test
  void rendersListValuedConfigAsCompactJson() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("cagov-data-infra-v12.json"));

    ManifestNode node =
        manifest.nodes().get("model.dse_analytics.stg_database_storage_usage_history");

    assertThat(node.buildConfig())
        .containsEntry(
            "unique_key",
            "[\"ORGANIZATION_NAME\",\"ACCOUNT_NAME\",\"DATABASE_NAME\",\"USAGE_DATE\"]")
        .containsEntry("database", "\"TRANSFORM_DEV\"")
        .containsEntry("schema", "\"snowflake_cost_tracking\"");
  }

  @Test
  void hashesMacroSql() {
    Manifest manifest = ManifestReader.read(Fixtures.manifest("jaffle-shop-v11.json"));

    assertThat(manifest.macros().get("macro.dbt.run_query"))
        .isEqualTo(
            new ManifestMacro(
                "macro.dbt.run_query",
                "dbt",
                "macros/etc/statement.sql",
                "591b86fe5fcb7af5a62b5707c04931c9c1be0ae7c0a947b35276a314b5489c60",
                List.of("macro.dbt.statement")));
  }

  @Test
  void readsKeysInAnyOrderAndKeepsOnlyPlannedResourceTypes() {
    String json =
        """
        {"nodes": {
           "model.p.a": {"resource_type": "model", "unique_id": "model.p.a", "package_name": "p",
             "raw_code": "select {{ ref('b') }}", "columns": {"id": {"name": "id"}},
             "config": {"materialized": "view", "tags": ["x"], "meta": {"k": [1, 2]}},
             "schema": "s", "depends_on": {"nodes": ["model.p.b"], "macros": []}},
           "operation.p.hook": {"resource_type": "operation", "unique_id": "operation.p.hook"},
           "analysis.p.an": {"resource_type": "analysis", "unique_id": "analysis.p.an"},
           "model.p.off": {"resource_type": "model", "unique_id": "model.p.off",
             "config": {"enabled": false}}
         },
         "child_map": {"model.p.a": []},
         "macros": {},
         "metadata": {"adapter_type": "postgres",
           "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}}
        """;

    Manifest manifest = ManifestReader.read(stream(json), "inline.json");

    assertThat(manifest.schemaVersion()).isEqualTo("v12");
    assertThat(manifest.projectName()).isEqualTo("p");
    assertThat(manifest.adapterType()).isEqualTo("postgres");
    assertThat(manifest.nodes().keySet()).containsExactly("model.p.a");
    ManifestNode node = manifest.nodes().get("model.p.a");
    assertThat(node.materialized()).isEqualTo("view");
    assertThat(node.buildConfig())
        .isEqualTo(Map.of("materialized", "\"view\"", "meta", "{\"k\":[1,2]}"));
    assertThat(node.dependsOnNodes()).containsExactly("model.p.b");
    assertThat(node.schema()).isEqualTo("s");
    assertThat(node.checksum()).isNull();
  }

  @Test
  void projectNameFallsBackToTheMostCommonModelPackage() {
    String json =
        """
        {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json"},
         "nodes": {
           "model.dep.x": {"resource_type": "model", "unique_id": "model.dep.x", "package_name": "dep"},
           "model.me.a": {"resource_type": "model", "unique_id": "model.me.a", "package_name": "me"},
           "model.me.b": {"resource_type": "model", "unique_id": "model.me.b", "package_name": "me"},
           "test.dep.t1": {"resource_type": "test", "unique_id": "test.dep.t1", "package_name": "dep"},
           "test.dep.t2": {"resource_type": "test", "unique_id": "test.dep.t2", "package_name": "dep"}
         }}
        """;

    assertThat(ManifestReader.read(stream(json), "inline.json").projectName()).isEqualTo("me");
  }

  // dbt 1.0 to 1.6 write no project_name, only project_id: the md5 of the root project's name.
  @Test
  void projectIdNamesTheRootProjectWhenAPackageHasMoreModels() throws Exception {
    String json =
        """
        {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json",
           "project_id": "%s"},
         "nodes": {
           "model.dbt_artifacts.a": {"resource_type": "model", "unique_id": "model.dbt_artifacts.a",
             "package_name": "dbt_artifacts"},
           "model.dbt_artifacts.b": {"resource_type": "model", "unique_id": "model.dbt_artifacts.b",
             "package_name": "dbt_artifacts"},
           "model.shop.orders": {"resource_type": "model", "unique_id": "model.shop.orders",
             "package_name": "shop"}
         }}
        """
            .formatted(md5("shop"));

    assertThat(ManifestReader.read(stream(json), "inline.json").projectName()).isEqualTo("shop");
  }

  @Test
  void projectIdOfNoPackageIsAnError() throws Exception {
    String json =
        """
        {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json",
           "project_id": "%s"},
         "nodes": {"model.shop.orders": {"resource_type": "model", "unique_id": "model.shop.orders",
             "package_name": "shop"}},
         "macros": {"macro.dbt.run_query": {"unique_id": "macro.dbt.run_query", "package_name": "dbt"}}}
        """
            .formatted(md5("billing"));

    assertThatThrownBy(() -> ManifestReader.read(stream(json), "inline.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest inline.json: metadata.project_id "
                + md5("billing")
                + " is the md5 of none of its packages (dbt, shop)");
  }

  private static String md5(String text) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void reportsGitConflictMarkersWithFileLineAndColumn() {
    Path file = Fixtures.manifest("hubspot-invalid-conflict-markers.json");

    assertThatThrownBy(() -> ManifestReader.read(file))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest "
                + file
                + ": invalid JSON at line 1, column 1: Unexpected character ('<' (code 60)):"
                + " expected a valid value (JSON String, Number, Array, Object or token 'null',"
                + " 'true' or 'false')");
  }

  @Test
  void reportsInvalidJsonInsideTheDocumentWithItsPosition() {
    String json = "{\"metadata\": {},\n \"nodes\": {\"a\": tru}}";

    assertThatThrownBy(() -> ManifestReader.read(stream(json), "broken.json"))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith("manifest broken.json: invalid JSON at line 2, column ")
        .hasMessageContaining("Unrecognized token 'tru'");
  }

  @Test
  void rejectsContentAfterTheDocument() {
    String json =
        "{\"metadata\": {\"dbt_schema_version\": \"https://x/v12.json\"}, \"nodes\": {}}\n{}";

    assertThatThrownBy(() -> ManifestReader.read(stream(json), "twice.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest twice.json: invalid JSON at line 2, column 1:"
                + " unexpected content after the end of the document");
  }

  @Test
  void reportsTruncatedFile(@TempDir Path dir) throws Exception {
    byte[] whole = Files.readAllBytes(Fixtures.manifest("jaffle-shop-v11.json"));
    Path truncated = dir.resolve("truncated.json");
    Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));

    assertThatThrownBy(() -> ManifestReader.read(truncated))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith("manifest " + truncated + ": invalid JSON at line ")
        .hasMessageContaining("Unexpected end-of-input");
  }

  @Test
  void reportsMissingFile(@TempDir Path dir) {
    Path missing = dir.resolve("target/manifest.json");

    assertThatThrownBy(() -> ManifestReader.read(missing))
        .isInstanceOf(PlanException.class)
        .hasMessage("manifest " + missing + ": file not found");
  }

  @Test
  void reportsEmptyFile(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("manifest.json"), " \n");

    assertThatThrownBy(() -> ManifestReader.read(empty))
        .isInstanceOf(PlanException.class)
        .hasMessage("manifest " + empty + ": the file is empty");
  }

  @Test
  void rejectsJsonThatIsNotAManifest() {
    assertThatThrownBy(() -> ManifestReader.read(stream("[1, 2]"), "list.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage("manifest list.json: not a dbt manifest: the top level is not a JSON object");
    assertThatThrownBy(
            () -> ManifestReader.read(stream("{\"name\": \"x\", \"nodes\": {}}"), "package.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest package.json: not a dbt manifest: metadata.dbt_schema_version is missing");
    assertThatThrownBy(
            () ->
                ManifestReader.read(
                    stream("{\"metadata\": {\"dbt_schema_version\": \"https://x/v12.json\"}}"),
                    "run_results.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage("manifest run_results.json: not a dbt manifest: it has no \"nodes\" object");
  }

  @Test
  void rejectsManifestsOlderThanV4() {
    String json =
        "{\"metadata\": {\"dbt_schema_version\":"
            + " \"https://schemas.getdbt.com/dbt/manifest/v3.json\"}, \"nodes\": {}}";

    assertThatThrownBy(() -> ManifestReader.read(stream(json), "old.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest old.json: manifest schema v3 is not supported; dbt-operator needs v4"
                + " (dbt 1.0) or newer, re-run dbt compile with a recent dbt");
  }

  @Test
  void rejectsUnrecognisedSchemaVersion() {
    String json = "{\"metadata\": {\"dbt_schema_version\": \"latest\"}, \"nodes\": {}}";

    assertThatThrownBy(() -> ManifestReader.read(stream(json), "odd.json"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "manifest odd.json: unrecognised metadata.dbt_schema_version \"latest\""
                + " (expected a URL ending in /vN.json)");
  }

  static String manifestWithNode(String version, String node) {
    return "{\"metadata\": {\"dbt_schema_version\": \"https://schemas.getdbt.com/dbt/manifest/"
        + version
        + ".json\"}, \"nodes\": {\"model.p.a\": "
        + node
        + "}}";
  }

  static String model(String schemaJson) {
    return "{\"unique_id\": \"model.p.a\", \"resource_type\": \"model\", \"name\": \"a\","
        + " \"schema\": "
        + schemaJson
        + "}";
  }

  @Test
  void malformedNodesAreErrorsNamingTheFileAndTheNode() {
    String huge = "x".repeat(8 * 1024 * 1024);
    String[][] cases = {
      {manifestWithNode("v12", "42"), "nodes.model.p.a is not an object"},
      {manifestWithNode("v12", model("7")), "nodes.model.p.a schema: not a string"},
      {
        manifestWithNode("v12", model("\"" + huge + "\"")),
        "nodes.model.p.a schema: a name of 8388608 characters (at most 255)"
      },
      {
        manifestWithNode("v12", model("\"drop table x; --\"")),
        "nodes.model.p.a schema: \"drop table x; --\" is not an identifier"
      },
      {
        manifestWithNode("v99", model("\"core\"")),
        "metadata.dbt_schema_version: manifest schema v99 is newer than dbt-operator reads (v4 to"
            + " v12)"
      },
    };
    for (String[] bad : cases) {
      assertThatThrownBy(() -> ManifestReader.read(stream(bad[0]), "m.json"))
          .isInstanceOf(PlanException.class)
          .hasMessageStartingWith("manifest m.json: " + bad[1])
          .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }
  }

  private static InputStream stream(String json) {
    return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
  }
}
