package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which nodes a change of vars in dbt_project.yml reaches. dbt's state:modified misses these: the
 * manifest keeps the raw code, whose checksum a new value leaves alone. A node is reached when its
 * code or config reads a changed var by name, or calls a macro that does, at any depth.
 *
 * @param nodes the reached nodes (tests included) by unique id, with why
 * @param fullDeployReasons hooks that read a changed var: they run around every deploy
 */
record VarAttribution(Map<String, String> nodes, List<String> fullDeployReasons) {

  static VarAttribution of(Manifest manifest, Set<String> changedVars) {
    if (changedVars.isEmpty()) {
      return new VarAttribution(Map.of(), List.of());
    }
    Map<String, String> readingMacros = new LinkedHashMap<>();
    for (ManifestMacro macro : manifest.macros().values()) {
      String reads = reads(manifest.varUses().get(macro.uniqueId()), changedVars);
      if (reads != null) {
        readingMacros.put(macro.uniqueId(), reads);
      }
    }
    Map<String, String> origins = MacroCallers.closure(manifest, readingMacros.keySet());

    Map<String, String> nodes = new TreeMap<>();
    for (ManifestNode node : manifest.nodes().values()) {
      String reads =
          reads(
              manifest.varUses().get(node.uniqueId()),
              node.dependsOnMacros(),
              changedVars,
              readingMacros,
              origins);
      if (reads != null) {
        nodes.put(node.uniqueId(), node.uniqueId() + " " + reads + changedIn(changedVars));
      }
    }
    List<String> fullDeploy = new ArrayList<>();
    for (String hook : new TreeSet<>(manifest.hooks().keySet())) {
      String reads =
          reads(
              manifest.varUses().get(hook),
              manifest.hooks().get(hook).dependsOnMacros(),
              changedVars,
              readingMacros,
              origins);
      if (reads != null) {
        fullDeploy.add(ManifestComparison.hookReason(hook, reads + changedIn(changedVars)));
      }
    }
    return new VarAttribution(nodes, fullDeploy);
  }

  /** How a node or hook reads a changed var, itself or through a macro, or null if it does not. */
  private static String reads(
      VarUse own,
      List<String> macros,
      Set<String> changedVars,
      Map<String, String> readingMacros,
      Map<String, String> origins) {
    String direct = reads(own, changedVars);
    if (direct != null) {
      return direct;
    }
    for (String macro : macros) {
      String origin = origins.get(macro);
      if (origin != null) {
        return readingMacros.get(origin) + " through " + origin;
      }
    }
    return null;
  }

  /**
   * How code reads the changed vars, or null when it reads none of them. A name built at run time
   * may be any of them, so that code counts as reading them all.
   */
  private static String reads(VarUse use, Set<String> changedVars) {
    if (use == null) {
      return null;
    }
    Set<String> read = new TreeSet<>(use.names());
    read.retainAll(changedVars);
    if (!read.isEmpty()) {
      return "reads var " + String.join(", ", read);
    }
    return use.dynamic() ? "calls var() with a name built at run time" : null;
  }

  private static String changedIn(Set<String> changedVars) {
    return " (vars changed in dbt_project.yml: " + String.join(", ", changedVars) + ")";
  }
}
