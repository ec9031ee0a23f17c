package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The model-level rules: what differs between the manifests of the two commits. */
final class ManifestComparison {
  private ManifestComparison() {}

  static void compare(
      Manifest from, Manifest to, SchemaGraph fromGraph, SchemaGraph toGraph, Detected detected) {
    Set<String> changedMacros = new TreeSet<>();
    for (ManifestMacro macro : to.macros().values()) {
      if (isAdapterInternal(macro.packageName(), to)) {
        continue;
      }
      ManifestMacro before = from.macros().get(macro.uniqueId());
      if (before == null || !before.sqlHash().equals(macro.sqlHash())) {
        changedMacros.add(macro.uniqueId());
      }
    }
    Map<String, String> macroClosure = MacroCallers.closure(to, changedMacros);
    detected.fullDeployReasons.addAll(changedHooks(from, to, macroClosure.keySet()));

    for (ManifestNode node : to.nodes().values()) {
      ManifestNode before = from.nodes().get(node.uniqueId());
      String reason = NodeChange.of(before, node, macroClosure);
      if (reason == null) {
        continue;
      }
      if (node.isTest()) {
        detected.addTest(node, reason, toGraph);
      } else {
        detected.modified.put(node.uniqueId(), reason);
      }
    }
    for (ManifestNode before : from.nodes().values()) {
      if (before.isTest() || !before.isRelation()) {
        continue;
      }
      ManifestNode after = to.nodes().get(before.uniqueId());
      String oldSchema = fromGraph.schemaOf(before.uniqueId());
      boolean gone = after == null || !after.isRelation();
      boolean moved =
          !gone
              && oldSchema != null
              && !oldSchema.equalsIgnoreCase(String.valueOf(toGraph.schemaOf(after.uniqueId())));
      if ((gone || moved) && oldSchema != null) {
        toGraph
            .schema(oldSchema)
            .ifPresent(
                s ->
                    detected
                        .removed
                        .computeIfAbsent(s.name(), k -> new TreeSet<>())
                        .add(before.uniqueId()));
      }
    }
  }

  /**
   * on-run-start and on-run-end hooks run around every deploy and may touch any schema, so a
   * changed, added or removed hook, of the project or of a package, or one that calls a changed
   * macro, means a full deploy.
   */
  private static List<String> changedHooks(Manifest from, Manifest to, Set<String> changedMacros) {
    Set<String> ids = new TreeSet<>(from.hooks().keySet());
    ids.addAll(to.hooks().keySet());
    List<String> reasons = new ArrayList<>();
    for (String id : ids) {
      ManifestHook was = from.hooks().get(id);
      ManifestHook now = to.hooks().get(id);
      String change =
          was == null
              ? "added"
              : now == null
                  ? "removed"
                  : !was.sqlHash().equals(now.sqlHash())
                      ? "changed"
                      : usedMacro(now, changedMacros);
      if (change != null) {
        reasons.add(hookReason(id, change));
      }
    }
    return reasons;
  }

  private static String usedMacro(ManifestHook hook, Set<String> changedMacros) {
    for (String macro : hook.dependsOnMacros()) {
      if (changedMacros.contains(macro)) {
        return "uses changed macro " + macro;
      }
    }
    return null;
  }

  static String hookReason(String id, String change) {
    String kind = id.contains("on-run-start") ? "on-run-start" : "on-run-end";
    return kind
        + " hook "
        + id
        + " "
        + change
        + ": hooks run around every deploy and cannot be attributed to schemas";
  }

  /**
   * Macros of dbt itself and of the adapter change with the dbt version, which the image pins; they
   * are not project changes.
   */
  private static boolean isAdapterInternal(String packageName, Manifest manifest) {
    return packageName.equals("dbt")
        || (manifest.adapterType() != null
            && packageName.equals("dbt_" + manifest.adapterType().toLowerCase(Locale.ROOT)));
  }
}
