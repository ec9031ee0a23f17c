package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import java.util.List;
import java.util.Map;

/**
 * Operator settings for one schema, from a DbtSchema resource or from dbt-operator.yml.
 *
 * @param kind null to derive the kind from the manifest's materializations
 * @param refresh null when the schema sets none: the project's defaults apply
 * @param grants role to privileges; null when the schema sets none: the project's default grants
 *     apply
 * @param dependsOn null to derive dependencies from the manifest
 */
public record SchemaPolicy(
    String schema,
    SchemaKind kind,
    RefreshPolicy refresh,
    Map<String, List<String>> grants,
    List<String> dependsOn,
    boolean suspend) {}
