package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The macros that call given macros, directly or through other macros. */
final class MacroCallers {
  private MacroCallers() {}

  /**
   * The given macros plus every macro that calls one of them, at any depth, each mapped to the
   * given macro it leads to, so that a reason can name where a change comes from.
   */
  static Map<String, String> closure(Manifest manifest, Set<String> macros) {
    Map<String, List<String>> callers = new LinkedHashMap<>();
    for (ManifestMacro macro : manifest.macros().values()) {
      for (String callee : macro.dependsOnMacros()) {
        callers.computeIfAbsent(callee, k -> new ArrayList<>()).add(macro.uniqueId());
      }
    }
    Map<String, String> origins = new LinkedHashMap<>();
    List<String> queue = new ArrayList<>();
    for (String macro : macros) {
      origins.put(macro, macro);
      queue.add(macro);
    }
    while (!queue.isEmpty()) {
      String macro = queue.remove(queue.size() - 1);
      for (String caller : callers.getOrDefault(macro, List.of())) {
        if (!origins.containsKey(caller)) {
          origins.put(caller, origins.get(macro));
          queue.add(caller);
        }
      }
    }
    return origins;
  }
}
