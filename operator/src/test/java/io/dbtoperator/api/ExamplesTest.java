package io.dbtoperator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dbtoperator.plan.ConfigMapper;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.SchemaPolicy;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Snowflake example (examples/02-snowflake) must stay valid for the CRD types and the config
 * mapping.
 */
class ExamplesTest {
  // Fails on fields the spec types do not have, which the API server would prune silently.
  private static final YAMLMapper STRICT =
      YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private static String example(String name) {
    return CrdFiles.read(
        CrdFiles.moduleDir().getParent().resolve("examples/02-snowflake").resolve(name));
  }

  private static <T> T strictSpec(String yaml, Class<T> type) throws Exception {
    JsonNode tree = STRICT.readTree(yaml);
    return STRICT.treeToValue(tree.get("spec"), type);
  }

  @Test
  void projectExample() throws Exception {
    String yaml = example("dbtproject.yaml");
    DbtProject project = Serialization.unmarshal(yaml, DbtProject.class);

    assertThat(project.getMetadata().getName()).isEqualTo("analytics");
    assertThat(project.getApiVersion()).isEqualTo("dbtoperator.io/v1alpha1");
    DbtProjectSpec spec = project.getSpec();
    assertThat(strictSpec(yaml, DbtProjectSpec.class)).isEqualTo(spec);
    assertThat(spec.git().secretRef().tokenKey()).isEqualTo("token");
    assertThat(spec.dbt().threads()).isEqualTo(8);
    assertThat(spec.dbt().vars())
        .isEqualTo(Map.of("start_date", "2024-01-01", "enable_pii", false));
    assertThat(spec.dbt().resources().getLimits()).isEqualTo(Map.of("memory", new Quantity("4Gi")));
    assertThat(spec.warehouse().type()).isEqualTo(DbtProjectSpec.WarehouseType.snowflake);
    assertThat(spec.warehouse().snowflake().authentication())
        .isEqualTo(DbtProjectSpec.SnowflakeAuthentication.keyPair);
    assertThat(spec.state().astra().token()).isEqualTo(new SecretKeyRef("astra", "token"));
    assertThat(spec.artifacts().s3().bucket()).isEqualTo("analytics-dbt-artifacts");
    assertThat(spec.applyMode()).isEqualTo(ApplyMode.Manual);

    OperatorConfig config = ConfigMapper.map(spec, List.of());
    assertThat(config.viewChangePolicy()).isEqualTo(ViewChangePolicy.DeployDependents);
    assertThat(config.defaults().every().expression()).isEqualTo("0 6 * * *");
    assertThat(config.defaultGrants()).isEqualTo(Map.of("REPORTER", List.of("SELECT")));
  }

  @Test
  void schemaExample() throws Exception {
    String yaml = example("dbtschema-orders.yaml");
    DbtSchema schema = Serialization.unmarshal(yaml, DbtSchema.class);

    assertThat(strictSpec(yaml, DbtSchemaSpec.class)).isEqualTo(schema.getSpec());
    assertThat(schema.getSpec().projectRef()).isEqualTo("analytics");

    SchemaPolicy policy = ConfigMapper.schemaPolicy(schema.getSpec(), "spec");
    assertThat(policy.schema()).isEqualTo("ORDERS");
    assertThat(policy.kind()).isEqualTo(SchemaKind.Materialized);
    assertThat(policy.refresh().every().expression()).isEqualTo("PT1H");
    assertThat(policy.refresh().fullRefreshEvery().expression()).isEqualTo("0 3 * * SUN");
    assertThat(policy.refresh().conditions().daysOfWeek())
        .isEqualTo(
            Set.of(
                DayOfWeek.MONDAY,
                DayOfWeek.TUESDAY,
                DayOfWeek.WEDNESDAY,
                DayOfWeek.THURSDAY,
                DayOfWeek.FRIDAY));
    assertThat(policy.refresh().conditions().windowStart()).isEqualTo(LocalTime.of(6, 0));
    assertThat(policy.refresh().conditions().timeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    assertThat(policy.dependsOn()).containsExactly("RAW", "STAGING");
  }

  @ParameterizedTest
  @MethodSource("io.dbtoperator.api.ExampleResources#all")
  void everyExampleResourceReadsStrictlyAndMaps(ExampleResources.Document document)
      throws Exception {
    String yaml = STRICT.writeValueAsString(document.tree());
    switch (document.kind()) {
      case "DbtProject" -> {
        DbtProjectSpec spec = strictSpec(yaml, DbtProjectSpec.class);
        assertThat(spec).isEqualTo(Serialization.unmarshal(yaml, DbtProject.class).getSpec());
        assertThat(ConfigMapper.map(spec, List.of())).isNotNull();
      }
      case "DbtSchema" -> {
        DbtSchemaSpec spec = strictSpec(yaml, DbtSchemaSpec.class);
        assertThat(ConfigMapper.schemaPolicy(spec, "spec").schema()).isEqualTo(spec.schema());
      }
      default -> assertThat(document.tree().at("/metadata/namespace").asText()).isNotEmpty();
    }
  }

  @Test
  void everyNumberedExampleHasAReadmeAndResources() throws Exception {
    List<java.nio.file.Path> folders;
    try (var list = java.nio.file.Files.list(ExampleResources.examplesDir())) {
      folders =
          list.filter(p -> p.getFileName().toString().matches("[0-9]{2}-.*")).sorted().toList();
    }
    assertThat(folders).hasSizeGreaterThanOrEqualTo(4);
    for (var folder : folders) {
      assertThat(folder.resolve("README.md")).as(folder.toString()).isRegularFile();
      assertThat(ExampleResources.all())
          .as("a DbtProject in " + folder.getFileName())
          .anyMatch(d -> d.file().startsWith(folder) && d.kind().equals("DbtProject"));
    }
  }
}
