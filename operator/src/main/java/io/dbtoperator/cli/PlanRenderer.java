package io.dbtoperator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.PlanStep;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Prints plans as terraform-like text or as the JSON contract other tools read. */
final class PlanRenderer {
  private static final String MEMBER_INDENT = "  ";
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private PlanRenderer() {}

  static String json(Plan plan) {
    ObjectNode node = JSON.valueToTree(plan);
    node.put("summary", plan.summary());
    return write(node);
  }

  static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("plan records always serialize", e);
    }
  }

  static String text(Plan plan, String title) {
    StringBuilder out = new StringBuilder();
    out.append(title).append("\n\n");
    out.append(steps(plan.steps()));
    if (!plan.notes().isEmpty()) {
      out.append("\nNotes:\n");
      plan.notes().forEach(note -> out.append("  - ").append(note).append('\n'));
    }
    out.append("\nPlan: ").append(plan.summary()).append(". Hash: ").append(plan.hash());
    out.append('\n');
    return out.toString();
  }

  /**
   * One line per step: symbol, schema, action, model count, first reason; more reasons below. A
   * group's members follow it, indented.
   */
  static String steps(List<PlanStep> steps) {
    int schemaWidth =
        Stream.concat(
                steps.stream().map(s -> s.schema().length()),
                steps.stream()
                    .flatMap(s -> s.members().stream())
                    .map(m -> MEMBER_INDENT.length() + m.schema().length()))
            .mapToInt(Integer::intValue)
            .max()
            .orElse(6);
    StringBuilder out = new StringBuilder();
    for (PlanStep step : steps) {
      append(out, step, "", schemaWidth);
      for (PlanStep member : step.members()) {
        append(out, member, MEMBER_INDENT, schemaWidth);
      }
    }
    return out.toString();
  }

  private static void append(StringBuilder out, PlanStep step, String indent, int schemaWidth) {
    boolean configOnly = !step.action().changes() && !step.configChanges().isEmpty();
    String symbol = configOnly ? "*" : step.action().symbol();
    String action =
        step.action().json()
            + (step.snapshotsOnly() ? " (snapshots)" : "")
            + (step.isGroup() ? " (group)" : "");
    String models = step.models().size() + (step.models().size() == 1 ? " model" : " models");
    String head =
        String.format(
            "  %s%s %-" + (schemaWidth - indent.length()) + "s  %-23s %-10s  ",
            indent,
            symbol,
            step.schema(),
            action,
            models);
    String reasonIndent = " ".repeat(head.length());
    List<String> lines = new ArrayList<>(step.reasons());
    if (!step.configChanges().isEmpty() && !step.isGroup()) {
      lines.add(
          "settings changed: "
              + String.join(", ", step.configChanges())
              + (step.action().changes() ? "" : " (applied without rebuild)"));
    }
    if (!step.removed().isEmpty() && !step.isGroup()) {
      lines.add("drops " + String.join(", ", step.removed()));
    }
    out.append(head).append(lines.isEmpty() ? "" : lines.get(0)).append('\n');
    for (int i = 1; i < lines.size(); i++) {
      out.append(reasonIndent).append(lines.get(i)).append('\n');
    }
  }
}
