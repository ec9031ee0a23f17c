package io.dbtoperator.plan;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules used without a manifest for one of the commits: a changed file maps to the nodes the
 * available manifest says it defines.
 */
final class FileLevelRules {
  private FileLevelRules() {}

  static void attributeResourceFile(String path, SchemaGraph graph, Detected detected) {
    List<ManifestNode> nodes =
        graph.manifest().nodes().values().stream()
            .filter(node -> path.equals(node.originalFilePath()))
            .toList();
    if (nodes.isEmpty()) {
      detected.fullDeployReasons.add(
          path + " changed and cannot be attributed to a schema without both manifests");
      return;
    }
    for (ManifestNode node : nodes) {
      if (node.isTest()) {
        detected.addTest(node, path + " changed (" + node.uniqueId() + ")", graph);
      } else {
        detected.modified.putIfAbsent(node.uniqueId(), path + " changed (" + node.uniqueId() + ")");
      }
    }
  }

  static void attributeMacroFile(String path, SchemaGraph graph, Detected detected) {
    Manifest manifest = graph.manifest();
    Set<String> macros = new TreeSet<>();
    for (ManifestMacro macro : manifest.macros().values()) {
      if (path.equals(macro.originalFilePath())
          && macro.packageName().equals(manifest.projectName())) {
        macros.add(macro.uniqueId());
      }
    }
    if (macros.isEmpty()) {
      detected.fullDeployReasons.add(
          path + " changed and cannot be attributed to a schema without both manifests");
      return;
    }
    Set<String> closure = MacroCallers.closure(manifest, macros).keySet();
    for (ManifestNode node : manifest.nodes().values()) {
      if (node.isTest()) {
        continue;
      }
      for (String used : node.dependsOnMacros()) {
        if (closure.contains(used)) {
          detected.modified.putIfAbsent(
              node.uniqueId(), node.uniqueId() + " uses " + used + " (" + path + " changed)");
          break;
        }
      }
    }
  }
}
