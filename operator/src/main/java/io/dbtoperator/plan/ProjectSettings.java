package io.dbtoperator.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which changes of dbt_project.yml the two manifests cannot show. Everything dbt resolves into the
 * nodes (folder configs, paths, the project's name) is compared node by node; what it does not
 * resolve there means a full deploy, named by its key.
 */
final class ProjectSettings {
  static final String FILE = "dbt_project.yml";

  /**
   * Keys whose effect on what gets built shows in the manifests: resolved per node (configs,
   * paths), as hook operations (on-run-start/on-run-end), or not at all (version, docs, cleaning).
   */
  private static final Set<String> SHOWN_IN_MANIFESTS =
      Set.of(
          "name",
          "version",
          "config-version",
          "require-dbt-version",
          "model-paths",
          "source-paths",
          "seed-paths",
          "data-paths",
          "snapshot-paths",
          "macro-paths",
          "test-paths",
          "analysis-paths",
          "docs-paths",
          "asset-paths",
          "function-paths",
          "target-path",
          "log-path",
          "packages-install-path",
          "clean-targets",
          "models",
          "seeds",
          "snapshots",
          "tests",
          "data_tests",
          "unit_tests",
          "sources",
          "analyses",
          "exposures",
          "metrics",
          "semantic-models",
          "saved-queries",
          "on-run-start",
          "on-run-end");

  private ProjectSettings() {}

  /**
   * One reason per top-level key that changed and is not shown in the manifests: vars (read by name
   * at render time), dispatch, quoting, flags, query-comment, profile, and any key this list does
   * not know, since an unknown key may change every build.
   */
  static List<String> unattributable(byte[] before, byte[] after, String fromSha, String toSha) {
    JsonNode was = ProjectLayout.yaml(before, FILE + " at " + fromSha);
    JsonNode now = ProjectLayout.yaml(after, FILE + " at " + toSha);
    Set<String> keys = new TreeSet<>();
    was.fieldNames().forEachRemaining(keys::add);
    now.fieldNames().forEachRemaining(keys::add);
    List<String> reasons = new ArrayList<>();
    for (String key : keys) {
      if (SHOWN_IN_MANIFESTS.contains(key)
          || Objects.equals(was.path(key), now.path(key))
          || bothUnset(was.path(key), now.path(key))) {
        continue;
      }
      reasons.add(
          FILE
              + ": "
              + key
              + " changed, which the manifests cannot attribute to schemas (full deploy)");
    }
    return reasons;
  }

  private static boolean bothUnset(JsonNode was, JsonNode now) {
    return (was.isMissingNode() || was.isNull()) && (now.isMissingNode() || now.isNull());
  }
}
