package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.ExampleResources;
import io.dbtoperator.plan.Plan;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health check of examples/03-gitops, run by a Lua interpreter on statuses built by the
 * operator's own ProjectStatusBuilder, as Argo CD runs it on the objects it reads (obj, a table of
 * the object's JSON).
 */
class HealthCheckScriptTest {
  static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");
  static final String SHA = "1c9e0f2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9c0";
  static final ObjectMapper JSON = new ObjectMapper();

  record Health(String status, String message) {}

  @Test
  void aProjectWithoutStatusIsProgressing() throws IOException {
    assertThat(health(project(null)).status()).isEqualTo("Progressing");
  }

  @Test
  void aLiveProjectIsHealthy() throws IOException {
    ProjectStatusBuilder status = new ProjectStatusBuilder(project(null), T0);
    status.live(SHA);
    status.ready();
    assertThat(health(project(status)))
        .isEqualTo(new Health("Healthy", "every schema is live at 1c9e0f2"));
  }

  @Test
  void aStallIsDegradedWithItsMessage() throws IOException {
    ProjectStatusBuilder status = new ProjectStatusBuilder(project(null), T0);
    status.problem("SecretNotFound", "spec.warehouse.secretRef: secret \"x\" not found");
    assertThat(health(project(status)))
        .isEqualTo(new Health("Degraded", "spec.warehouse.secretRef: secret \"x\" not found"));
  }

  @Test
  void aPlanAwaitingApprovalAndASuspendedProjectAreSuspended() throws IOException {
    ProjectStatusBuilder awaiting = new ProjectStatusBuilder(project(null), T0);
    awaiting.awaitingApproval(new Plan(null, SHA, List.of(), List.of(), "3f2a9c41"));
    assertThat(health(project(awaiting)).status()).isEqualTo("Suspended");

    ProjectStatusBuilder suspended = new ProjectStatusBuilder(project(null), T0);
    suspended.suspended();
    assertThat(health(project(suspended)).status()).isEqualTo("Suspended");
  }

  @Test
  void aParsingProjectIsProgressingWithWhatItDoes() throws IOException {
    ProjectStatusBuilder status = new ProjectStatusBuilder(project(null), T0);
    status.parsing(SHA);
    Health health = health(project(status));
    assertThat(health.status()).isEqualTo("Progressing");
    assertThat(health.message()).contains("1c9e0f2");
  }

  @Test
  void aStatusOfAnOlderGenerationIsProgressingWhateverItSays() throws IOException {
    ProjectStatusBuilder status = new ProjectStatusBuilder(project(null), T0);
    status.live(SHA);
    status.ready();
    DbtProject project = project(status);
    project.getMetadata().setGeneration(4L);
    assertThat(health(project).status()).isEqualTo("Progressing");
  }

  private static DbtProject project(ProjectStatusBuilder status) {
    DbtProject project = new DbtProject();
    project.getMetadata().setName("analytics");
    project.getMetadata().setGeneration(3L);
    if (status != null) {
      project.setStatus(status.build());
    }
    return project;
  }

  private static Health health(DbtProject project) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(JSON.valueToTree(project)));
    LuaValue result = globals.load(script(), "health.lua").call();
    return new Health(
        result.get("status").tojstring(),
        result.get("message").isnil() ? null : result.get("message").tojstring());
  }

  private static String script() throws IOException {
    JsonNode configMap =
        new YAMLMapper()
            .readTree(
                ExampleResources.examplesDir()
                    .resolve("03-gitops/argocd/health-check.yaml")
                    .toFile());
    JsonNode customizations =
        new YAMLMapper().readTree(configMap.at("/data/resource.customizations").asText());
    return customizations.get("dbtoperator.io/*").get("health.lua").asText();
  }

  /** The object as Argo CD hands it to Lua: objects as tables, arrays as 1-based tables. */
  private static LuaValue lua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        table.set(field.getKey(), lua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, lua(node.get(i)));
      }
      return table;
    }
    if (node.isIntegralNumber()) {
      return LuaValue.valueOf(node.asLong());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }
}
