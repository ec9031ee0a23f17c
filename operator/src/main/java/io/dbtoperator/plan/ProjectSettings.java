package io.dbtoperator.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which changes of dbt_project.yml the two manifests cannot show. Everything dbt resolves into the
 * nodes (folder configs, paths, the project's name) is compared node by node; changed vars go to
 * the code that reads them (VarAttribution); any other key means a full deploy, named by its key.
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
          "analyses",
          "exposures",
          "metrics",
          "semantic-models",
          "saved-queries",
          "on-run-start",
          "on-run-end");

  private ProjectSettings() {}

  /**
   * Attributes a change of dbt_project.yml when both manifests exist: the unattributable keys and
   * the hooks reading a changed var are full-deploy reasons, the readers of changed vars are
   * rebuilt.
   */
  static void attribute(PlanInput in, SchemaGraph graph, Detected detected) {
    Change change =
        compare(
            projectFile(in, in.fromCommit()),
            projectFile(in, in.toCommit()),
            ChangePlanner.shortSha(in.fromCommit()),
            ChangePlanner.shortSha(in.toCommit()),
            packages(in.toManifest()));
    detected.fullDeployReasons.addAll(change.unattributable());
    VarAttribution vars = VarAttribution.of(in.toManifest(), change.changedVars());
    detected.fullDeployReasons.addAll(vars.fullDeployReasons());
    vars.nodes()
        .forEach(
            (id, reason) -> {
              ManifestNode node = in.toManifest().nodes().get(id);
              if (node.isTest()) {
                detected.addTest(node, reason, graph);
              } else {
                detected.modified.putIfAbsent(id, reason);
              }
            });
  }

  private static Set<String> packages(Manifest manifest) {
    Set<String> packages = new HashSet<>();
    manifest.nodes().values().forEach(node -> packages.add(node.packageName()));
    manifest.macros().values().forEach(macro -> packages.add(macro.packageName()));
    packages.add(manifest.projectName());
    packages.remove(null);
    return packages;
  }

  private static byte[] projectFile(PlanInput in, String commit) {
    return in.files()
        .read(commit, FILE)
        .orElseThrow(
            () -> new PlanException(FILE + " not found at " + ChangePlanner.shortSha(commit)));
  }

  /**
   * What changed in dbt_project.yml beyond what the manifests show.
   *
   * @param unattributable one full-deploy reason per top-level key that changed and is not shown in
   *     the manifests: dispatch, quoting, flags, query-comment, profile, and any key this class
   *     does not know, since an unknown key may change every build
   * @param changedVars names of the vars whose value changed, was added or was removed, at the top
   *     level or scoped to a package
   */
  record Change(List<String> unattributable, Set<String> changedVars) {}

  /**
   * @param packages the project and packages of the manifest, which tell a package's scoped vars
   *     from a var whose value is a mapping
   */
  static Change compare(
      byte[] before, byte[] after, String fromSha, String toSha, Set<String> packages) {
    JsonNode was = ProjectLayout.yaml(before, FILE + " at " + fromSha);
    JsonNode now = ProjectLayout.yaml(after, FILE + " at " + toSha);
    Set<String> keys = new TreeSet<>();
    was.fieldNames().forEachRemaining(keys::add);
    now.fieldNames().forEachRemaining(keys::add);
    List<String> reasons = new ArrayList<>();
    Set<String> changedVars = new TreeSet<>();
    for (String key : keys) {
      if (key.equals("vars")) {
        changedVars(
            mapping(was.path(key), FILE + " at " + fromSha),
            mapping(now.path(key), FILE + " at " + toSha),
            packages,
            changedVars);
      } else if (!SHOWN_IN_MANIFESTS.contains(key)
          && !Objects.equals(was.path(key), now.path(key))
          && !bothUnset(was.path(key), now.path(key))) {
        reasons.add(
            FILE
                + ": "
                + key
                + " changed, which the manifests cannot attribute to schemas (full deploy)");
      }
    }
    return new Change(List.copyOf(reasons), changedVars);
  }

  private static void changedVars(
      JsonNode was, JsonNode now, Set<String> packages, Set<String> changed) {
    Set<String> names = new TreeSet<>();
    was.fieldNames().forEachRemaining(names::add);
    now.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode before = was.path(name);
      JsonNode after = now.path(name);
      if (before.equals(after)) {
        continue;
      }
      boolean scoped =
          packages.contains(name)
              && (before.isObject() || before.isMissingNode())
              && (after.isObject() || after.isMissingNode());
      if (scoped) {
        changedVars(before, after, Set.of(), changed);
      } else {
        changed.add(name);
      }
    }
  }

  private static JsonNode mapping(JsonNode vars, String source) {
    if (vars.isMissingNode() || vars.isNull()) {
      return MissingNode.getInstance();
    }
    if (!vars.isObject()) {
      throw new PlanException(source + ": vars must be a mapping of names to values");
    }
    return vars;
  }

  private static boolean bothUnset(JsonNode was, JsonNode now) {
    return (was.isMissingNode() || was.isNull()) && (now.isMissingNode() || now.isNull());
  }
}
