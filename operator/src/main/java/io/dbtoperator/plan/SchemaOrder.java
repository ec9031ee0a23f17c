package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The deploy order of a project's schemas: upstream first, ties by key. Schemas that read each
 * other (strongly connected components, found with Tarjan's algorithm) form a {@link SchemaGroup}
 * whose members come one after the other, by key.
 */
final class SchemaOrder {

  /** One model pair that makes a schema read from another, kept to explain groups. */
  record Cause(String downstream, String downstreamSchema, String upstream, String upstreamSchema) {
    @Override
    public String toString() {
      return downstream
          + " in "
          + downstreamSchema
          + " reads "
          + upstream
          + " in "
          + upstreamSchema;
    }
  }

  private final Set<String> keys;
  private final Map<String, Map<String, Cause>> edges;
  private final Function<String, String> names;
  private final Map<String, Integer> index = new HashMap<>();
  private final Map<String, Integer> lowLink = new HashMap<>();
  private final List<String> stack = new ArrayList<>();
  private final Set<String> onStack = new TreeSet<>();
  private final List<Set<String>> components = new ArrayList<>();

  /**
   * @param keys every schema key
   * @param edges schema key to the keys it reads, each with its cause (null for a dependsOn entry)
   * @param names schema key to the schema's name as spelled in the manifest
   */
  SchemaOrder(
      Set<String> keys, Map<String, Map<String, Cause>> edges, Function<String, String> names) {
    this.keys = new TreeSet<>(keys);
    this.edges = edges;
    this.names = names;
  }

  /** The keys in deploy order, and the group of every key that belongs to one. */
  record Result(List<String> order, Map<String, SchemaGroup> groups) {}

  Result compute() {
    for (String key : keys) {
      if (!index.containsKey(key)) {
        connect(key);
      }
    }
    Map<String, Integer> componentOf = new HashMap<>();
    for (int i = 0; i < components.size(); i++) {
      for (String key : components.get(i)) {
        componentOf.put(key, i);
      }
    }
    Map<Integer, Set<Integer>> upstreamComponents = new HashMap<>();
    Map<Integer, List<Integer>> downstreamComponents = new HashMap<>();
    for (String key : keys) {
      int own = componentOf.get(key);
      for (String upstream : upstreamKeys(key)) {
        int other = componentOf.get(upstream);
        if (other != own
            && upstreamComponents.computeIfAbsent(own, k -> new TreeSet<>()).add(other)) {
          downstreamComponents.computeIfAbsent(other, k -> new ArrayList<>()).add(own);
        }
      }
    }
    // Kahn's algorithm over the components; ties by the component's first key, for a stable order.
    PriorityQueue<Integer> ready =
        new PriorityQueue<>(
            (a, b) ->
                components.get(a).iterator().next().compareTo(components.get(b).iterator().next()));
    Map<Integer, Integer> unmet = new HashMap<>();
    for (int i = 0; i < components.size(); i++) {
      unmet.put(i, upstreamComponents.getOrDefault(i, Set.of()).size());
      if (unmet.get(i) == 0) {
        ready.add(i);
      }
    }
    List<String> order = new ArrayList<>();
    Map<String, SchemaGroup> groups = new TreeMap<>();
    while (!ready.isEmpty()) {
      int component = ready.poll();
      Set<String> members = components.get(component);
      order.addAll(members);
      if (members.size() > 1) {
        SchemaGroup group = group(members);
        members.forEach(member -> groups.put(member, group));
      }
      for (int downstream : downstreamComponents.getOrDefault(component, List.of())) {
        if (unmet.merge(downstream, -1, Integer::sum) == 0) {
          ready.add(downstream);
        }
      }
    }
    return new Result(order, groups);
  }

  private Set<String> upstreamKeys(String key) {
    return new TreeSet<>(edges.getOrDefault(key, Map.of()).keySet());
  }

  /** Tarjan's strongly connected components; a project has at most a few hundred schemas. */
  private void connect(String key) {
    index.put(key, index.size());
    lowLink.put(key, index.get(key));
    stack.add(key);
    onStack.add(key);
    for (String upstream : upstreamKeys(key)) {
      if (!index.containsKey(upstream)) {
        connect(upstream);
        lowLink.put(key, Math.min(lowLink.get(key), lowLink.get(upstream)));
      } else if (onStack.contains(upstream)) {
        lowLink.put(key, Math.min(lowLink.get(key), index.get(upstream)));
      }
    }
    if (lowLink.get(key).equals(index.get(key))) {
      Set<String> component = new TreeSet<>();
      String member;
      do {
        member = stack.remove(stack.size() - 1);
        onStack.remove(member);
        component.add(member);
      } while (!member.equals(key));
      components.add(component);
    }
  }

  private SchemaGroup group(Set<String> members) {
    List<String> memberNames = new ArrayList<>();
    List<String> causes = new ArrayList<>();
    for (String from : members) {
      memberNames.add(names.apply(from));
      for (String to : upstreamKeys(from)) {
        if (!members.contains(to)) {
          continue;
        }
        Cause cause = edges.get(from).get(to);
        causes.add(
            cause != null
                ? cause.toString()
                : names.apply(from) + " lists " + names.apply(to) + " in its dependsOn setting");
      }
    }
    return new SchemaGroup(memberNames, causes);
  }
}
