package io.dbtoperator.plan;

import java.util.List;

/**
 * Schemas that read each other, directly or through one another (a strongly connected component of
 * the schema graph). They are deployed as one unit: built into staging together, tested, then
 * swapped together.
 *
 * @param members the schemas' names, in the group's order (lower-cased name)
 * @param causes for each edge inside the group, one model pair (or setting) that makes it
 */
public record SchemaGroup(List<String> members, List<String> causes) {

  public SchemaGroup {
    members = List.copyOf(members);
    causes = List.copyOf(causes);
  }

  /**
   * Why {@code building}, the members that build in a plan, deploy as one unit, naming what ties
   * the group and the members that stay live.
   */
  public String reason(List<String> building) {
    List<String> live =
        members.stream().filter(m -> building.stream().noneMatch(m::equalsIgnoreCase)).toList();
    return "schemas that read each other ("
        + String.join("; ", causes)
        + ") deploy as one unit: built into staging together, tested, then swapped together"
        + (live.isEmpty()
            ? ""
            : "; " + String.join(", ", live) + " builds nothing and is read live");
  }
}
