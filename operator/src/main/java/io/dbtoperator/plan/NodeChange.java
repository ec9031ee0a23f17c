package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** Compares one node across the two manifests, the way dbt's state:modified does. */
final class NodeChange {
  // Longer values (hooks' SQL, meta) are named by their key alone, to keep reasons one line.
  private static final int MAX_SHOWN_VALUE = 40;
  // dbt writes a key it added in a later version with an empty value; an older manifest lacks it.
  private static final Set<String> UNSET = Set.of("null", "{}", "[]");

  private NodeChange() {}

  /** Why a node needs building again, or null when it does not. */
  static String of(ManifestNode before, ManifestNode after, Map<String, String> macros) {
    String file = after.originalFilePath() == null ? "" : " (" + after.originalFilePath() + ")";
    if (before == null) {
      return after.uniqueId() + " added" + file;
    }
    if (!Objects.equals(before.checksum(), after.checksum())) {
      return after.uniqueId() + " changed" + file;
    }
    if (!after.isTest() && !before.schema().equalsIgnoreCase(after.schema())) {
      return after.uniqueId() + " moved from schema " + before.schema() + " to " + after.schema();
    }
    List<String> configDiffs = configDiffs(before.buildConfig(), after.buildConfig());
    if (!configDiffs.isEmpty()) {
      return after.uniqueId() + " config changed: " + String.join(", ", configDiffs);
    }
    for (String macro : after.dependsOnMacros()) {
      if (macros.containsKey(macro)) {
        String origin = macros.get(macro);
        return after.uniqueId()
            + " uses changed macro "
            + macro
            + (origin.equals(macro) ? "" : ", which calls changed macro " + origin);
      }
    }
    return null;
  }

  /**
   * The resolved config keys that differ, so that a folder config in dbt_project.yml rebuilds the
   * nodes it reaches, and only those.
   */
  static List<String> configDiffs(Map<String, String> before, Map<String, String> after) {
    // Most nodes of a large project keep their config: a warm plan spent 14% here without this.
    if (before.equals(after)) {
      return List.of();
    }
    List<String> diffs = new ArrayList<>();
    Set<String> keys = new TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String key : keys) {
      String was = unsetAsNull(before.get(key));
      String now = unsetAsNull(after.get(key));
      if (Objects.equals(was, now)) {
        continue;
      }
      if (shown(was) && shown(now)) {
        diffs.add(
            key + " " + (was == null ? "unset" : was) + " -> " + (now == null ? "unset" : now));
      } else {
        diffs.add(key);
      }
    }
    return diffs;
  }

  private static String unsetAsNull(String value) {
    return value == null || UNSET.contains(value) ? null : value;
  }

  private static boolean shown(String value) {
    return value == null || value.length() <= MAX_SHOWN_VALUE;
  }
}
