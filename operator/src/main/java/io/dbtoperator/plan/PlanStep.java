package io.dbtoperator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;

/**
 * One step of a plan: what happens to one schema, and why; or, for schemas that read each other,
 * one step for the group, with a member step per schema.
 *
 * @param schema schema name as spelled in the manifest; a group step joins its members' with "+"
 * @param reasons human-readable reasons, naming the files, models or settings involved
 * @param models unique ids of the nodes to build (models, seeds, snapshots); the rest is cloned
 * @param dependsOn schemas outside its group this schema reads from, which go live before it
 * @param group on the per-schema steps the engine runs ({@link #schemaSteps()}): the schemas, this
 *     one included, that deploy with it as one unit; empty when it deploys alone
 * @param members on a group step: one step per schema of the group, which are built into staging
 *     together, tested, then swapped together; empty on any other step
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
  "members",
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
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PlanStep> members,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> removed,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> configChanges,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean snapshotsOnly) {

  public PlanStep {
    reasons = List.copyOf(reasons);
    models = List.copyOf(models);
    dependsOn = List.copyOf(dependsOn);
    group = group == null ? List.of() : List.copyOf(group);
    members = members == null ? List.of() : List.copyOf(members);
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
        List.of(),
        removed,
        configChanges,
        snapshotsOnly);
  }

  /**
   * One step for schemas that deploy as one unit, in the order given.
   *
   * @param reason why they deploy together, naming what ties them
   */
  public static PlanStep group(List<PlanStep> members, String reason) {
    List<String> models = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    LinkedHashSet<String> configChanges = new LinkedHashSet<>();
    TreeSet<String> dependsOn = new TreeSet<>();
    for (PlanStep member : members) {
      models.addAll(member.models());
      removed.addAll(member.removed());
      configChanges.addAll(member.configChanges());
      dependsOn.addAll(member.dependsOn());
    }
    List<Action> actions = members.stream().map(PlanStep::action).distinct().toList();
    return new PlanStep(
        String.join("+", names(members)),
        actions.size() == 1 ? actions.get(0) : Action.DEPLOY,
        List.of(reason),
        models,
        List.copyOf(dependsOn),
        List.of(),
        members,
        removed,
        List.copyOf(configChanges),
        false);
  }

  @JsonIgnore
  public boolean isGroup() {
    return !members.isEmpty();
  }

  /**
   * The per-schema steps the engine runs: this step, or a group's members, each listing the group
   * and carrying its reason.
   */
  public List<PlanStep> schemaSteps() {
    if (members.isEmpty()) {
      return List.of(this);
    }
    List<String> names = names(members);
    return members.stream()
        .map(
            m -> {
              List<String> withReason = new ArrayList<>(m.reasons());
              withReason.addAll(reasons);
              return new PlanStep(
                  m.schema(),
                  m.action(),
                  withReason,
                  m.models(),
                  m.dependsOn(),
                  names,
                  List.of(),
                  m.removed(),
                  m.configChanges(),
                  m.snapshotsOnly());
            })
        .toList();
  }

  private static List<String> names(List<PlanStep> steps) {
    return steps.stream().map(PlanStep::schema).toList();
  }
}
