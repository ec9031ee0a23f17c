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
 * @param group the schemas this one is deployed with because they read each other (itself
 *     included), or null when it reads no schema that reads it
 * @param policy the schema's explicit settings, null when it has none
 */
public record SchemaNode(
    String name,
    SchemaKind kind,
    boolean kindExplicit,
    List<String> relations,
    List<String> dependsOn,
    SchemaGroup group,
    SchemaPolicy policy) {

  public SchemaNode {
    relations = List.copyOf(relations);
    dependsOn = List.copyOf(dependsOn);
  }

  /** The schemas this one reads that must be live before its deploy: those outside its group. */
  public List<String> dependsOnOutsideGroup() {
    return group == null
        ? dependsOn
        : dependsOn.stream()
            .filter(d -> group.members().stream().noneMatch(m -> m.equalsIgnoreCase(d)))
            .toList();
  }
}
