package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The schemas of a project and which schemas read from which, derived from a manifest and the
 * operator settings.
 *
 * <p>Schemas are keyed by their lower-cased name because Snowflake folds unquoted identifiers, so
 * "STAGING" and "staging" are the same schema there.
 */
public final class SchemaGraph {
  private final Manifest manifest;
  private final List<SchemaNode> ordered;
  private final Map<String, SchemaNode> byKey;
  private final Map<String, String> schemaKeyOfRelation;
  private final Map<String, List<String>> dependentNodes;
  private final Map<String, List<String>> dependentSchemaKeys;
  private final List<String> unmatchedPolicies;

  private SchemaGraph(
      Manifest manifest,
      List<SchemaNode> ordered,
      Map<String, String> schemaKeyOfRelation,
      Map<String, List<String>> dependentNodes,
      List<String> unmatchedPolicies) {
    this.manifest = manifest;
    this.ordered = List.copyOf(ordered);
    this.schemaKeyOfRelation = schemaKeyOfRelation;
    this.dependentNodes = dependentNodes;
    this.unmatchedPolicies = List.copyOf(unmatchedPolicies);
    Map<String, SchemaNode> nodesByKey = new HashMap<>();
    Map<String, List<String>> dependents = new HashMap<>();
    for (SchemaNode schema : ordered) {
      nodesByKey.put(key(schema.name()), schema);
      for (String upstream : schema.dependsOn()) {
        dependents.computeIfAbsent(key(upstream), k -> new ArrayList<>()).add(key(schema.name()));
      }
    }
    this.byKey = nodesByKey;
    this.dependentSchemaKeys = dependents;
  }

  public static SchemaGraph build(Manifest manifest, OperatorConfig config) {
    return new Builder(manifest, config == null ? OperatorConfig.EMPTY : config).build();
  }

  public Manifest manifest() {
    return manifest;
  }

  /** All schemas, upstream first; schemas with no order between them sort by lower-cased name. */
  public List<SchemaNode> schemas() {
    return ordered;
  }

  /** The schema with this name, compared case-insensitively. */
  public Optional<SchemaNode> schema(String name) {
    return Optional.ofNullable(byKey.get(key(name)));
  }

  /** The schema of a relation node; null for ephemeral models, tests and unknown ids. */
  public String schemaOf(String nodeId) {
    String schemaKey = schemaKeyOfRelation.get(nodeId);
    return schemaKey == null ? null : byKey.get(schemaKey).name();
  }

  /**
   * Names of the schemas that read from {@code schema} directly or indirectly, in dependency order;
   * empty for an unknown schema.
   */
  public Set<String> transitiveDependents(String schema) {
    Set<String> reached = new HashSet<>();
    Deque<String> pending = new ArrayDeque<>();
    pending.add(key(schema));
    while (!pending.isEmpty()) {
      for (String dependent : dependentSchemaKeys.getOrDefault(pending.poll(), List.of())) {
        if (reached.add(dependent)) {
          pending.add(dependent);
        }
      }
    }
    reached.remove(key(schema));
    Set<String> names = new LinkedHashSet<>();
    for (SchemaNode node : ordered) {
      if (reached.contains(key(node.name()))) {
        names.add(node.name());
      }
    }
    return names;
  }

  /**
   * Sorted ids of the relations (models, seeds, snapshots) that read, directly or through other
   * nodes including ephemeral models, from any of {@code nodeIds}; the given ids that are relations
   * themselves are included.
   */
  public Set<String> downstreamRelations(Collection<String> nodeIds) {
    Set<String> visited = new HashSet<>(nodeIds);
    Deque<String> pending = new ArrayDeque<>(visited);
    Set<String> relations = new TreeSet<>();
    while (!pending.isEmpty()) {
      String id = pending.poll();
      if (schemaKeyOfRelation.containsKey(id)) {
        relations.add(id);
      }
      for (String dependent : dependentNodes.getOrDefault(id, List.of())) {
        if (visited.add(dependent)) {
          pending.add(dependent);
        }
      }
    }
    return relations;
  }

  /** Schemas named in the settings that the manifest does not have, as spelled in the settings. */
  public List<String> unmatchedPolicies() {
    return unmatchedPolicies;
  }

  private static String key(String schemaName) {
    return schemaName.toLowerCase(Locale.ROOT);
  }

  private static final class Builder {
    private final Manifest manifest;
    private final OperatorConfig config;
    private final Map<String, String> schemaKeyOfRelation = new HashMap<>();
    // TreeMap: relations are visited in sorted order so that the recorded causes are deterministic.
    private final Map<String, List<String>> relationsBySchema = new TreeMap<>();
    private final Map<String, String> nameBySchema = new HashMap<>();
    private final Map<String, Set<String>> upstreamOfEphemeral = new HashMap<>();
    private final Set<String> ephemeralsInProgress = new HashSet<>();

    Builder(Manifest manifest, OperatorConfig config) {
      this.manifest = manifest;
      this.config = config;
    }

    SchemaGraph build() {
      for (String id : new TreeSet<>(manifest.nodes().keySet())) {
        ManifestNode node = manifest.nodes().get(id);
        if (!node.isRelation()) {
          continue;
        }
        if (node.schema() == null) {
          throw new PlanException("manifest " + manifest.source() + ": " + id + " has no schema");
        }
        String schemaKey = key(node.schema());
        schemaKeyOfRelation.put(id, schemaKey);
        relationsBySchema.computeIfAbsent(schemaKey, k -> new ArrayList<>()).add(id);
        nameBySchema.putIfAbsent(schemaKey, node.schema());
      }
      if (relationsBySchema.isEmpty()) {
        throw new PlanException(
            "manifest "
                + manifest.source()
                + ": the project has no enabled models, seeds or snapshots");
      }
      Map<String, SchemaPolicy> policies = new HashMap<>();
      Map<String, String> policyNames = new HashMap<>();
      List<String> unmatched = new ArrayList<>();
      for (Map.Entry<String, SchemaPolicy> entry :
          new TreeMap<>(config.schemas() == null ? Map.of() : config.schemas()).entrySet()) {
        String schemaKey = key(entry.getKey());
        String earlier = policyNames.putIfAbsent(schemaKey, entry.getKey());
        if (earlier != null) {
          throw new PlanException(
              "settings name schema \""
                  + entry.getKey()
                  + "\" twice (as \""
                  + earlier
                  + "\" and \""
                  + entry.getKey()
                  + "\"); schema names are case-insensitive");
        }
        policies.put(schemaKey, entry.getValue());
        if (!relationsBySchema.containsKey(schemaKey)) {
          unmatched.add(entry.getKey());
        }
      }

      Map<String, Map<String, SchemaOrder.Cause>> edges = introspectedEdges();
      for (Map.Entry<String, SchemaPolicy> entry : policies.entrySet()) {
        List<String> explicit = entry.getValue().dependsOn();
        if (explicit != null && relationsBySchema.containsKey(entry.getKey())) {
          edges.put(entry.getKey(), explicitEdges(entry.getKey(), explicit));
        }
      }
      SchemaOrder.Result order =
          new SchemaOrder(relationsBySchema.keySet(), edges, nameBySchema::get).compute();

      List<SchemaNode> schemas = new ArrayList<>();
      for (String schemaKey : order.order()) {
        SchemaPolicy policy = policies.get(schemaKey);
        boolean kindExplicit = policy != null && policy.kind() != null;
        List<String> dependsOn = new ArrayList<>();
        for (String upstream : new TreeSet<>(edges.getOrDefault(schemaKey, Map.of()).keySet())) {
          dependsOn.add(nameBySchema.get(upstream));
        }
        schemas.add(
            new SchemaNode(
                nameBySchema.get(schemaKey),
                kindExplicit ? policy.kind() : introspectedKind(schemaKey),
                kindExplicit,
                relationsBySchema.get(schemaKey),
                dependsOn,
                order.groups().get(schemaKey),
                policy));
      }
      return new SchemaGraph(
          manifest, schemas, schemaKeyOfRelation, dependentNodes(), List.copyOf(unmatched));
    }

    /**
     * Views hold no data, so a schema of views only is rebuilt on deploy and never refreshed. Any
     * other materialization, including adapter-specific ones we do not know, may hold data.
     */
    private SchemaKind introspectedKind(String schemaKey) {
      for (String id : relationsBySchema.get(schemaKey)) {
        ManifestNode node = manifest.nodes().get(id);
        if (!node.isModel() || !"view".equals(node.materialized())) {
          return SchemaKind.Materialized;
        }
      }
      return SchemaKind.ViewOnly;
    }

    private Map<String, Map<String, SchemaOrder.Cause>> introspectedEdges() {
      Map<String, Map<String, SchemaOrder.Cause>> edges = new HashMap<>();
      for (Map.Entry<String, List<String>> schema : relationsBySchema.entrySet()) {
        String schemaKey = schema.getKey();
        for (String id : schema.getValue()) {
          // The cause of an edge is its first relation, and that relation's first upstream in
          // the edge's schema, in id order: the smallest such upstream, found without sorting.
          for (String upstream : upstreamRelations(manifest.nodes().get(id))) {
            String upstreamKey = schemaKeyOfRelation.get(upstream);
            if (upstreamKey.equals(schemaKey)) {
              continue;
            }
            Map<String, SchemaOrder.Cause> causes =
                edges.computeIfAbsent(schemaKey, k -> new HashMap<>());
            SchemaOrder.Cause known = causes.get(upstreamKey);
            if (known == null
                || (known.downstream().equals(id) && upstream.compareTo(known.upstream()) < 0)) {
              causes.put(
                  upstreamKey,
                  new SchemaOrder.Cause(
                      id, nameBySchema.get(schemaKey), upstream, nameBySchema.get(upstreamKey)));
            }
          }
        }
      }
      return edges;
    }

    /** The relations a node reads from, looking through ephemeral models (inlined as CTEs). */
    private Set<String> upstreamRelations(ManifestNode node) {
      Set<String> result = new HashSet<>();
      for (String parentId : node.dependsOnNodes()) {
        ManifestNode parent = manifest.nodes().get(parentId);
        if (parent == null) {
          continue;
        }
        if (parent.isRelation()) {
          result.add(parentId);
        } else if (parent.isEphemeral()) {
          result.addAll(upstreamOfEphemeral(parent));
        }
      }
      return result;
    }

    private Set<String> upstreamOfEphemeral(ManifestNode ephemeral) {
      Set<String> known = upstreamOfEphemeral.get(ephemeral.uniqueId());
      if (known != null) {
        return known;
      }
      // dbt rejects ref cycles, but a hand-written manifest could still loop; stop instead of
      // overflowing the stack.
      if (!ephemeralsInProgress.add(ephemeral.uniqueId())) {
        return Set.of();
      }
      Set<String> result = upstreamRelations(ephemeral);
      ephemeralsInProgress.remove(ephemeral.uniqueId());
      upstreamOfEphemeral.put(ephemeral.uniqueId(), result);
      return result;
    }

    private Map<String, SchemaOrder.Cause> explicitEdges(String schemaKey, List<String> dependsOn) {
      Map<String, SchemaOrder.Cause> result = new HashMap<>();
      String name = nameBySchema.get(schemaKey);
      for (String entry : dependsOn) {
        String upstreamKey = entry == null ? null : key(entry);
        if (upstreamKey == null || !relationsBySchema.containsKey(upstreamKey)) {
          throw new PlanException(
              "schema "
                  + name
                  + ": dependsOn entry \""
                  + entry
                  + "\" is not a schema of the project (schemas: "
                  + String.join(
                      ", ", relationsBySchema.keySet().stream().map(nameBySchema::get).toList())
                  + ")");
        }
        if (upstreamKey.equals(schemaKey)) {
          throw new PlanException(
              "schema " + name + ": dependsOn entry \"" + entry + "\" names the schema itself");
        }
        result.put(upstreamKey, null);
      }
      return result;
    }

    /** Node id to the models, seeds and snapshots that list it in depends_on.nodes. */
    private Map<String, List<String>> dependentNodes() {
      Map<String, List<String>> result = new LinkedHashMap<>();
      for (ManifestNode node : manifest.nodes().values()) {
        if (node.isTest()) {
          continue;
        }
        for (String parent : node.dependsOnNodes()) {
          result.computeIfAbsent(parent, k -> new ArrayList<>()).add(node.uniqueId());
        }
      }
      return result;
    }
  }
}
