package io.dbtoperator.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One step of a plan: what happens to one schema, and why.
 *
 * @param schema schema name as spelled in the manifest
 * @param reasons human-readable reasons, naming the files, models or settings involved
 * @param models unique ids of the nodes to build (models, seeds, snapshots); the rest is cloned
 * @param dependsOn schemas outside its group this schema reads from, which go live before it
 * @param group the schemas, this one included, that deploy with it as one unit because they read
 *     each other: built into staging together, then swapped together; empty when it deploys alone
 * @param removed unique ids of relations that disappear from the schema with this step
 * @param configChanges operator settings that take effect without a rebuild (e.g. "grants")
 * @param snapshotsOnly true for the step that runs a schema's snapshots after all model steps
 */
@JsonPropertyOrder({
  "schema",
  "action",
  "reasons",
  "models",
  "dependsOn",
  "group",
  "removed",
  "configChanges",
  "snapshotsOnly"
})
public record PlanStep(
    String schema,
    Action action,
    List<String> reasons,
    List<String> models,
    List<String> dependsOn,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> group,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> removed,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> configChanges,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean snapshotsOnly) {

  public PlanStep {
    reasons = List.copyOf(reasons);
    models = List.copyOf(models);
    dependsOn = List.copyOf(dependsOn);
    group = group == null ? List.of() : List.copyOf(group);
    removed = removed == null ? List.of() : List.copyOf(removed);
    configChanges = configChanges == null ? List.of() : List.copyOf(configChanges);
  }

  /** A step that deploys alone. */
  public PlanStep(
      String schema,
      Action action,
      List<String> reasons,
      List<String> models,
      List<String> dependsOn,
      List<String> removed,
      List<String> configChanges,
      boolean snapshotsOnly) {
    this(
        schema,
        action,
        reasons,
        models,
        dependsOn,
        List.of(),
        removed,
        configChanges,
        snapshotsOnly);
  }

  /** This step as a member of {@code group}, which it deploys with. */
  public PlanStep inGroup(List<String> members, String reason) {
    List<String> withReason = new java.util.ArrayList<>(reasons);
    withReason.add(reason);
    return new PlanStep(
        schema,
        action,
        withReason,
        models,
        dependsOn,
        members,
        removed,
        configChanges,
        snapshotsOnly);
  }
}
