package io.dbtoperator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrdSchemaTest {
  private static final String PROJECTS = "dbtprojects.dbtoperator.io-v1.yml";
  private static final String SCHEMAS = "dbtschemas.dbtoperator.io-v1.yml";

  private final CustomResourceDefinition projects = CrdFiles.readGenerated(PROJECTS);
  private final CustomResourceDefinition schemas = CrdFiles.readGenerated(SCHEMAS);

  @Test
  void namesScopeAndVersion() {
    assertThat(projects.getSpec().getGroup()).isEqualTo("dbtoperator.io");
    assertThat(projects.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(projects.getSpec().getNames().getKind()).isEqualTo("DbtProject");
    assertThat(projects.getSpec().getNames().getShortNames()).containsExactly("dbtp");
    assertThat(projects.getSpec().getNames().getCategories()).containsExactly("dbt");
    assertThat(schemas.getSpec().getNames().getKind()).isEqualTo("DbtSchema");
    assertThat(schemas.getSpec().getNames().getPlural()).isEqualTo("dbtschemas");
    assertThat(schemas.getSpec().getNames().getShortNames()).containsExactly("dbts");
    assertThat(schemas.getSpec().getNames().getCategories()).containsExactly("dbt");
    for (CustomResourceDefinition crd : List.of(projects, schemas)) {
      CustomResourceDefinitionVersion version = onlyVersion(crd);
      assertThat(version.getName()).isEqualTo("v1alpha1");
      assertThat(version.getServed()).isTrue();
      assertThat(version.getStorage()).isTrue();
      assertThat(version.getSubresources().getStatus()).isNotNull();
    }
  }

  @Test
  void projectPrinterColumnsInDeclaredOrder() {
    CustomResourceDefinition shipped =
        Serialization.unmarshal(CrdFiles.render(PROJECTS), CustomResourceDefinition.class);
    assertThat(onlyVersion(shipped).getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName,
            CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getType)
        .containsExactly(
            tuple("DESIRED", ".status.desiredCommitShort", "string"),
            tuple("LIVE", ".status.liveCommitShort", "string"),
            tuple("PLAN", ".status.plan.summary", "string"),
            tuple("READY", ".status.conditions[?(@.type==\"Ready\")].status", "string"),
            tuple("AGE", ".metadata.creationTimestamp", "date"));
  }

  @Test
  void schemaPrinterColumnsInDeclaredOrder() {
    CustomResourceDefinition shipped =
        Serialization.unmarshal(CrdFiles.render(SCHEMAS), CustomResourceDefinition.class);
    assertThat(onlyVersion(shipped).getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName,
            CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getType)
        .containsExactly(
            tuple("SCHEMA", ".spec.schema", "string"),
            tuple("PROJECT", ".spec.projectRef", "string"),
            tuple("KIND", ".spec.kind", "string"),
            tuple("LIVE", ".status.liveCommitShort", "string"),
            tuple("LAST-REFRESH", ".status.lastRefresh", "date"),
            tuple("NEXT-DUE", ".status.nextDue", "string"),
            tuple("PHASE", ".status.phase", "string"),
            tuple("AGE", ".metadata.creationTimestamp", "date"));
  }

  @Test
  void everyPropertyAtEveryDepthHasADescription() {
    List<String> undescribed = new ArrayList<>();
    collectUndescribed("", root(projects), undescribed);
    collectUndescribed("", root(schemas), undescribed);
    assertThat(undescribed).isEmpty();
    // Guards against the walk silently visiting nothing.
    assertThat(
            property(projects, "spec.state.cassandra.credentialsSecretRef.usernameKey")
                .getDescription())
        .isEqualTo("Key holding the username.");
    assertThat(property(schemas, "status.conditions[].type").getDescription())
        .isEqualTo("Type of the condition: Ready, Reconciling or Stalled.");
  }

  @Test
  void projectConstraints() {
    assertThat(root(projects).getProperties().get("spec").getRequired())
        .containsExactlyInAnyOrder("git", "warehouse");
    assertThat(property(projects, "spec.git").getRequired()).containsExactly("url");
    assertThat(property(projects, "spec.git.commit").getPattern()).isEqualTo("^[0-9a-f]{7,40}$");
    assertThat(property(projects, "spec.git.projectDir").getDefault()).isEqualTo(new TextNode("."));
    assertThat(property(projects, "spec.dbt.threads").getMinimum()).isEqualTo(1.0);
    assertThat(property(projects, "spec.dbt.packages").getDefault()).isEqualTo(BooleanNode.TRUE);
    assertThat(property(projects, "spec.dbt.vars").getXKubernetesPreserveUnknownFields()).isTrue();
    assertThat(property(projects, "spec.clock").getPattern()).isEqualTo("^\\S+(\\s+\\S+){4}$");
    assertThat(enumOf(property(projects, "spec.warehouse.type")))
        .containsExactlyInAnyOrder("snowflake", "postgres");
    assertThat(enumOf(property(projects, "spec.warehouse.postgres.sslmode")))
        .containsExactlyInAnyOrder(
            "disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    assertThat(property(projects, "spec.warehouse.postgres.port").getMinimum()).isEqualTo(1.0);
    assertThat(property(projects, "spec.warehouse.postgres.port").getMaximum()).isEqualTo(65535.0);
    assertThat(enumOf(property(projects, "spec.warehouse.snowflake.authentication")))
        .containsExactlyInAnyOrder("keyPair", "password");
    assertThat(enumOf(property(projects, "spec.state.type")))
        .containsExactlyInAnyOrder("sqlite", "astra", "cassandra");
    assertThat(enumOf(property(projects, "spec.artifacts.type")))
        .containsExactlyInAnyOrder("s3", "local");
    assertThat(enumOf(property(projects, "spec.viewChangePolicy")))
        .containsExactlyInAnyOrder("DeployDependents", "FullDeploy");
    assertThat(property(projects, "spec.viewChangePolicy").getDefault())
        .isEqualTo(new TextNode("DeployDependents"));
    assertThat(enumOf(property(projects, "spec.applyMode")))
        .containsExactlyInAnyOrder("Auto", "Manual");
    assertThat(enumOf(property(projects, "status.plan.steps[].action")))
        .containsExactlyInAnyOrder(
            "deploy", "full-deploy", "refresh", "full-refresh", "retire", "noop");
    assertThat(rules(property(projects, "spec.git.secretRef")))
        .containsExactly("!has(self.tokenKey) || !has(self.sshPrivateKeyKey)");
    assertThat(rules(property(projects, "spec.warehouse")))
        .containsExactly("self.type == 'snowflake' ? has(self.snowflake) : has(self.postgres)");
  }

  @Test
  void schemaConstraints() {
    String identifier = "^[A-Za-z_][A-Za-z0-9_$]*$";
    String timeOfDay = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
    assertThat(root(schemas).getProperties().get("spec").getRequired())
        .containsExactlyInAnyOrder("projectRef", "schema");
    assertThat(property(schemas, "spec.schema").getPattern()).isEqualTo(identifier);
    assertThat(property(schemas, "spec.dependsOn[]").getPattern()).isEqualTo(identifier);
    assertThat(enumOf(property(schemas, "spec.kind")))
        .containsExactlyInAnyOrder("Materialized", "ViewOnly");
    assertThat(enumOf(property(schemas, "spec.refresh.conditions.daysOfWeek[]")))
        .containsExactlyInAnyOrder(
            "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY");
    assertThat(property(schemas, "spec.refresh.conditions.window.start").getPattern())
        .isEqualTo(timeOfDay);
    assertThat(property(schemas, "spec.refresh.conditions.window.end").getPattern())
        .isEqualTo(timeOfDay);
    assertThat(property(schemas, "spec.refresh.conditions.upstreamRefreshedSince").getPattern())
        .isEqualTo(timeOfDay);
    assertThat(rules(root(schemas).getProperties().get("spec")))
        .containsExactly(
            "!has(self.grants) || self.grants.all(role, role.matches('" + identifier + "'))");
    assertThat(property(schemas, "status.conditions[]").getRequired())
        .containsExactlyInAnyOrder("type", "status", "lastTransitionTime");
  }

  private static CustomResourceDefinitionVersion onlyVersion(CustomResourceDefinition crd) {
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    return crd.getSpec().getVersions().get(0);
  }

  private static JSONSchemaProps root(CustomResourceDefinition crd) {
    return onlyVersion(crd).getSchema().getOpenAPIV3Schema();
  }

  /** A property by dotted path; "[]" steps into array items. */
  private static JSONSchemaProps property(CustomResourceDefinition crd, String path) {
    JSONSchemaProps current = root(crd);
    for (String step : path.split("\\.")) {
      boolean items = step.endsWith("[]");
      String name = items ? step.substring(0, step.length() - 2) : step;
      assertThat(current.getProperties()).as(path).containsKey(name);
      current = current.getProperties().get(name);
      if (items) {
        current = current.getItems().getSchema();
      }
    }
    return current;
  }

  private static List<String> enumOf(JSONSchemaProps property) {
    return property.getEnum().stream().map(node -> node.asText()).toList();
  }

  private static List<String> rules(JSONSchemaProps property) {
    return property.getXKubernetesValidations().stream().map(ValidationRule::getRule).toList();
  }

  private static void collectUndescribed(
      String path, JSONSchemaProps schema, List<String> undescribed) {
    if (schema.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
        String propertyPath = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
        String description = property.getValue().getDescription();
        if (description == null || description.isBlank()) {
          undescribed.add(propertyPath);
        }
        collectUndescribed(propertyPath, property.getValue(), undescribed);
      }
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      collectUndescribed(path + "[]", schema.getItems().getSchema(), undescribed);
    }
    if (schema.getAdditionalProperties() != null
        && schema.getAdditionalProperties().getSchema() != null) {
      collectUndescribed(path + "{}", schema.getAdditionalProperties().getSchema(), undescribed);
    }
  }
}
