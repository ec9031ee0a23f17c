package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.List;

/** Describes the schemas of a graph the way the due calculation needs them. */
public final class DueSchemas {
  private DueSchemas() {}

  /**
   * Seeds are left out of the refreshable models: they are loaded on deploy only. Snapshots are
   * listed apart because they run after every model refresh of a tick.
   */
  public static List<DueSchema> of(SchemaGraph graph, OperatorConfig config) {
    List<DueSchema> result = new ArrayList<>();
    for (SchemaNode schema : graph.schemas()) {
      List<String> models = new ArrayList<>();
      List<String> snapshots = new ArrayList<>();
      for (String id : schema.relations()) {
        ManifestNode node = graph.manifest().nodes().get(id);
        if (node.isSnapshot()) {
          snapshots.add(id);
        } else if (node.isModel()) {
          models.add(id);
        }
      }
      result.add(
          new DueSchema(
              schema.name(),
              schema.kind(),
              schema.dependsOn(),
              config.effectiveRefresh(schema.name()),
              schema.policy() != null && schema.policy().suspend(),
              models,
              snapshots));
    }
    return result;
  }
}
