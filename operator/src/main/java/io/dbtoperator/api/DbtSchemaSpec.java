package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * Operator settings for one warehouse schema of a project. Also the element type of {@code schemas}
 * in dbt-operator.yml, where projectRef must be absent.
 */
@ValidationRule(
    value =
        "!has(self.grants) || self.grants.all(role, role.matches('"
            + Identifiers.IDENTIFIER
            + "'))",
    message = "grants: role names must be identifiers")
public record DbtSchemaSpec(
    @Required
        @Pattern(Identifiers.K8S_NAME)
        @JsonPropertyDescription(
            "Name of the DbtProject (in the same namespace) whose schema this is. Required for"
                + " DbtSchema resources; not allowed in dbt-operator.yml.")
        String projectRef,
    @Required
        @Pattern(Identifiers.IDENTIFIER)
        @JsonPropertyDescription(
            "Warehouse schema name as dbt generates it (matched case-insensitively).")
        String schema,
    @JsonPropertyDescription(
            "Materialized (holds data that is refreshed) or ViewOnly (only views, rebuilt on"
                + " deploy). Absent: derived from the materializations in the manifest.")
        SchemaKind kind,
    @JsonPropertyDescription(
            "Refresh policy of the schema. Absent: the project's defaults.refresh. Ignored when"
                + " the project sets spec.refresh.")
        RefreshSpec refresh,
    @JsonPropertyDescription(
            "Privileges to grant on the schema's relations, by role, e.g. {ANALYST: [SELECT]}."
                + " Absent: the project's defaults.grants.")
        Map<String, List<String>> grants,
    @JsonPropertyDescription(
            "Schemas this schema reads from. Absent: derived from the manifest's dependencies.")
        List<@Pattern(Identifiers.IDENTIFIER) String> dependsOn,
    @JsonPropertyDescription("Stops deploys and refreshes of this schema while true.")
        boolean suspend,
    @Default("Retain")
        @JsonPropertyDescription(
            "What deleting this DbtSchema does to the warehouse schema: Retain (default) leaves it"
                + " in place; Drop drops it, with the operator's staging and previous schemas of"
                + " it, once the project no longer has the schema and no view in another schema"
                + " reads it. Not allowed in dbt-operator.yml.")
        DeletionPolicy deletionPolicy) {

  /** Without a deletion policy: the settings that dbt-operator.yml and plans deal in. */
  public DbtSchemaSpec(
      String projectRef,
      String schema,
      SchemaKind kind,
      RefreshSpec refresh,
      Map<String, List<String>> grants,
      List<String> dependsOn,
      boolean suspend) {
    this(projectRef, schema, kind, refresh, grants, dependsOn, suspend, null);
  }

  /** Retain when absent, as the CRD's default says for resources the API server stored. */
  public DeletionPolicy effectiveDeletionPolicy() {
    return deletionPolicy == null ? DeletionPolicy.Retain : deletionPolicy;
  }
}
