package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import java.util.List;

/**
 * One schema of a project, as planning sees it.
 *
 * @param name the schema name as spelled in the manifest
 * @param kindExplicit true when the kind comes from the schema's settings rather than from the
 *     materializations of its relations
 * @param relations sorted unique ids of the models, seeds and snapshots that live in the schema
 * @param dependsOn names of the schemas this schema reads from, sorted case-insensitively
 * @param policy the schema's explicit settings, null when it has none
 */
public record SchemaNode(
    String name,
    SchemaKind kind,
    boolean kindExplicit,
    List<String> relations,
    List<String> dependsOn,
    SchemaPolicy policy) {

  public SchemaNode {
    relations = List.copyOf(relations);
    dependsOn = List.copyOf(dependsOn);
  }
}
