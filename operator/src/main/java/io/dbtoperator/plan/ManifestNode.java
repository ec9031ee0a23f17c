package io.dbtoperator.plan;

import java.util.List;
import java.util.Map;

/**
 * The part of one dbt manifest node (model, seed, snapshot or test) that planning needs.
 *
 * @param buildConfig the resolved config (folder configs of dbt_project.yml, properties files and
 *     config() blocks merged by dbt), every key but the labels tags and group, mapped to its value
 *     rendered as compact JSON
 * @param attachedNode for generic tests, the node the test is attached to, else null
 * @param fqn dbt's fully qualified name (package, directories, name); what --select matches
 */
public record ManifestNode(
    String uniqueId,
    String resourceType,
    String packageName,
    String name,
    String database,
    String schema,
    String alias,
    String materialized,
    String checksum,
    String originalFilePath,
    List<String> dependsOnNodes,
    List<String> dependsOnMacros,
    Map<String, String> buildConfig,
    String attachedNode,
    List<String> fqn) {

  public ManifestNode {
    fqn = fqn == null ? List.of() : List.copyOf(fqn);
  }

  public boolean isModel() {
    return "model".equals(resourceType);
  }

  public boolean isSeed() {
    return "seed".equals(resourceType);
  }

  public boolean isSnapshot() {
    return "snapshot".equals(resourceType);
  }

  public boolean isTest() {
    return "test".equals(resourceType);
  }

  public boolean isEphemeral() {
    return isModel() && "ephemeral".equals(materialized);
  }

  /** Models, seeds and snapshots that exist as relations in the warehouse. */
  public boolean isRelation() {
    return (isModel() && !isEphemeral()) || isSeed() || isSnapshot();
  }
}
