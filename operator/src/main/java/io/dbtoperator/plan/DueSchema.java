package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import java.util.List;

/**
 * What {@link DueCalculator} needs to know about one schema.
 *
 * @param upstream schemas this schema reads from
 * @param refresh the schema's effective refresh policy; null means never on a schedule
 * @param models unique ids of the schema's models to refresh; seeds are not among them, as they are
 *     loaded on deploy only
 * @param snapshots unique ids of the schema's snapshot nodes
 */
public record DueSchema(
    String name,
    SchemaKind kind,
    List<String> upstream,
    RefreshPolicy refresh,
    boolean suspend,
    List<String> models,
    List<String> snapshots) {

  public DueSchema {
    upstream = upstream == null ? List.of() : List.copyOf(upstream);
    models = models == null ? List.of() : List.copyOf(models);
    snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
  }
}
