package io.dbtoperator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A plan from the live commit to the desired one.
 *
 * @param from live commit; null for a first deploy
 * @param to desired commit
 * @param steps one step per schema, or per group of schemas that read each other, in dependency
 *     order, then retirements
 * @param notes what limited the plan's precision, e.g. a missing manifest
 * @param hash identifies the plan's content, for spec.approvedPlan in Manual apply mode
 */
@JsonPropertyOrder({"from", "to", "steps", "notes", "summary", "hash"})
public record Plan(String from, String to, List<PlanStep> steps, List<String> notes, String hash) {

  public Plan {
    steps = List.copyOf(steps);
    notes = List.copyOf(notes);
  }

  @JsonIgnore
  public boolean hasChanges() {
    return steps.stream().anyMatch(s -> s.action().changes() || !s.configChanges().isEmpty());
  }

  /** The steps the engine runs, one per schema: a group's members in place of the group. */
  @JsonIgnore
  public List<PlanStep> schemaSteps() {
    return steps.stream().flatMap(s -> s.schemaSteps().stream()).toList();
  }

  /**
   * Schema counts by action, e.g. "3 deploy, 1 refresh" (a group counts each member); "no changes"
   * when nothing happens.
   */
  public String summary() {
    List<PlanStep> schemaSteps = schemaSteps();
    Map<Action, Long> counts =
        schemaSteps.stream()
            .filter(s -> s.action().changes())
            .collect(
                Collectors.groupingBy(
                    PlanStep::action, () -> new EnumMap<>(Action.class), Collectors.counting()));
    long configOnly =
        schemaSteps.stream()
            .filter(s -> !s.action().changes() && !s.configChanges().isEmpty())
            .count();
    String text =
        counts.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey().json())
            .collect(Collectors.joining(", "));
    if (configOnly > 0) {
      text = (text.isEmpty() ? "" : text + ", ") + configOnly + " config";
    }
    return text.isEmpty() ? "no changes" : text;
  }
}
