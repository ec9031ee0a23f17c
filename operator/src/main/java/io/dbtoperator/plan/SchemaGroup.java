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

  /** Why the group deploys as one unit, naming its schemas and what ties them. */
  public String reason() {
    return "deployed as one unit with "
        + String.join(", ", members)
        + ": these schemas read each other ("
        + String.join("; ", causes)
        + "); they are built into staging together and swapped together";
  }
}
