package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.api.ViewChangePolicy;
import io.dbtoperator.git.ChangedFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns two commits of a dbt project into a plan: which schemas to deploy, with which models, and
 * why. See docs/planner.md for the rules.
 */
public final class ChangePlanner {
  private static final int MAX_REASONS = 20;
  private static final Set<String> PACKAGE_FILES =
      Set.of("packages.yml", "dependencies.yml", "package-lock.yml");
  static final String CONFIG_FILE = "dbt-operator.yml";

  public Plan plan(PlanInput in) {
    List<String> notes = new ArrayList<>();
    ManifestCommitCheck.verify(in.fromManifest(), in.fromCommit(), in);
    ManifestCommitCheck.verify(in.toManifest(), in.toCommit(), in);

    SchemaGraph toGraph =
        in.toManifest() == null ? null : SchemaGraph.build(in.toManifest(), in.toConfig());
    SchemaGraph fromGraph =
        in.fromManifest() == null ? null : SchemaGraph.build(in.fromManifest(), in.fromConfig());
    SchemaGraph graph = toGraph != null ? toGraph : fromGraph;
    if (graph == null) {
      throw new PlanException(
          "no manifest for "
              + shortSha(in.toCommit())
              + (in.fromCommit() == null ? "" : " nor " + shortSha(in.fromCommit()))
              + ": the schemas of the project are unknown; run `dbt parse` at "
              + shortSha(in.toCommit())
              + " and pass its target/manifest.json as --to-manifest");
    }
    if (toGraph == null) {
      notes.add(
          "no manifest for "
              + shortSha(in.toCommit())
              + " (desired): pass --to-manifest (from `dbt parse`) for model-level precision;"
              + " planning with file-level rules on the live manifest");
    }
    if (in.fromCommit() != null && fromGraph == null) {
      notes.add(
          "no manifest for "
              + shortSha(in.fromCommit())
              + " (live): pass --from-manifest (from `dbt parse`) for model-level precision;"
              + " planning with file-level rules");
    }
    for (String unmatched : graph.unmatchedPolicies()) {
      notes.add("schema " + unmatched + " is configured but has no enabled model in the manifest");
    }

    if (in.fromCommit() == null) {
      return finish(in, firstDeploy(graph, in), notes);
    }

    Detected detected = new Detected();
    boolean modelLevel = in.fromManifest() != null && in.toManifest() != null;
    for (ChangedFile file : in.changedFiles()) {
      classify(file, in, graph, modelLevel, detected);
    }
    if (modelLevel) {
      compareManifests(in.fromManifest(), in.toManifest(), fromGraph, toGraph, detected);
    }

    List<PlanStep> steps = new ArrayList<>();
    List<String> fullDeployReasons = new ArrayList<>(detected.fullDeployReasons);
    if (fullDeployReasons.isEmpty()
        && in.toConfig().viewChangePolicy() == ViewChangePolicy.FullDeploy) {
      String viewReason = viewPolicyFullDeploy(graph, detected);
      if (viewReason != null) {
        fullDeployReasons.add(viewReason);
      }
    }
    if (!fullDeployReasons.isEmpty()) {
      List<String> reasons = fullDeployReasons;
      for (SchemaNode schema : graph.schemas()) {
        steps.add(step(schema, Action.FULL_DEPLOY, reasons, schema.relations(), List.of(), in));
      }
    } else {
      steps.addAll(changeSteps(graph, fromGraph, toGraph, detected, in));
    }
    if (fromGraph != null && toGraph != null) {
      for (SchemaNode gone : fromGraph.schemas()) {
        if (toGraph.schema(gone.name()).isEmpty()) {
          steps.add(
              new PlanStep(
                  gone.name(),
                  Action.RETIRE,
                  List.of("no enabled model, seed or snapshot is left in schema " + gone.name()),
                  List.of(),
                  List.of(),
                  gone.relations(),
                  List.of(),
                  false));
        }
      }
    }
    return finish(in, steps, notes);
  }

  private List<PlanStep> firstDeploy(SchemaGraph graph, PlanInput in) {
    List<PlanStep> steps = new ArrayList<>();
    for (SchemaNode schema : graph.schemas()) {
      steps.add(
          step(
              schema,
              Action.FULL_DEPLOY,
              List.of("first deploy: nothing is live yet"),
              schema.relations(),
              List.of(),
              in));
    }
    return steps;
  }

  private List<PlanStep> changeSteps(
      SchemaGraph graph,
      SchemaGraph fromGraph,
      SchemaGraph toGraph,
      Detected detected,
      PlanInput in) {
    Set<String> affected = graph.downstreamRelations(detected.modified.keySet());
    Map<String, Set<String>> buildBySchema = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String id : affected) {
      String schema = graph.schemaOf(id);
      if (schema != null) {
        buildBySchema.computeIfAbsent(schema, k -> new TreeSet<>()).add(id);
      }
    }
    Map<String, List<String>> directReasons = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    detected.modified.forEach(
        (id, reason) -> {
          for (String schema : homeSchemas(graph, id)) {
            directReasons.computeIfAbsent(schema, k -> new ArrayList<>()).add(reason);
          }
        });
    detected.tests.forEach(
        (testId, reason) -> {
          for (String schema : detected.testSchemas.get(testId)) {
            directReasons.computeIfAbsent(schema, k -> new ArrayList<>()).add(reason);
            buildBySchema.computeIfAbsent(schema, k -> new TreeSet<>()).add(testId);
          }
        });
    detected.removed.forEach(
        (schema, ids) -> {
          for (String id : ids) {
            directReasons.computeIfAbsent(schema, k -> new ArrayList<>()).add(id + " removed");
          }
        });

    // Schemas holding a changed model, computed once: every dependent's reason names them.
    Set<String> changedSchemas = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    detected.modified.keySet().forEach(id -> changedSchemas.addAll(homeSchemas(graph, id)));

    List<PlanStep> steps = new ArrayList<>();
    for (SchemaNode schema : graph.schemas()) {
      String name = schema.name();
      List<String> removed = List.copyOf(detected.removed.getOrDefault(name, Set.of()));
      boolean isNew = fromGraph != null && toGraph != null && fromGraph.schema(name).isEmpty();
      if (isNew) {
        steps.add(
            step(
                schema,
                Action.FULL_DEPLOY,
                List.of("new schema " + name),
                schema.relations(),
                removed,
                in));
      } else if (directReasons.containsKey(name)) {
        steps.add(
            step(
                schema,
                Action.DEPLOY,
                directReasons.get(name),
                List.copyOf(buildBySchema.getOrDefault(name, Set.of())),
                removed,
                in));
      } else if (buildBySchema.containsKey(name)) {
        steps.add(
            step(
                schema,
                Action.DEPLOY,
                List.of(upstreamReason(graph, schema, changedSchemas)),
                List.copyOf(buildBySchema.get(name)),
                removed,
                in));
      } else {
        steps.add(
            step(
                schema,
                Action.NOOP,
                List.of("unchanged since " + shortSha(in.fromCommit())),
                List.of(),
                removed,
                in));
      }
    }
    return steps;
  }

  /**
   * Where a change happens: a relation's own schema; for an ephemeral model, which has no relation,
   * the schema it is configured in, or else the schemas of the relations it is inlined into.
   */
  private static Set<String> homeSchemas(SchemaGraph graph, String nodeId) {
    Set<String> schemas = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    String own = graph.schemaOf(nodeId);
    ManifestNode node = graph.manifest().nodes().get(nodeId);
    if (own == null && node != null && node.schema() != null) {
      own = graph.schema(node.schema()).map(SchemaNode::name).orElse(null);
    }
    if (own != null) {
      schemas.add(own);
      return schemas;
    }
    for (String relation : graph.downstreamRelations(List.of(nodeId))) {
      String schema = graph.schemaOf(relation);
      if (schema != null) {
        schemas.add(schema);
      }
    }
    return schemas;
  }

  /** Names the changed upstream models a dependent schema reads, directly or through others. */
  private static String upstreamReason(
      SchemaGraph graph, SchemaNode schema, Set<String> changedSchemas) {
    Set<String> changedUpstreams = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String source : changedSchemas) {
      if (!source.equalsIgnoreCase(schema.name())
          && graph.transitiveDependents(source).stream()
              .anyMatch(d -> d.equalsIgnoreCase(schema.name()))) {
        changedUpstreams.add(source);
      }
    }
    return "reads changed models upstream in " + String.join(", ", changedUpstreams);
  }

  /**
   * Under the conservative policy, a changed view-only schema that others read from redeploys the
   * whole project; the reason names that schema, or null when the policy does not apply.
   */
  private static String viewPolicyFullDeploy(SchemaGraph graph, Detected detected) {
    Set<String> changed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    detected.modified.keySet().stream()
        .map(graph::schemaOf)
        .filter(Objects::nonNull)
        .forEach(changed::add);
    changed.addAll(detected.removed.keySet());
    for (String name : changed) {
      Optional<SchemaNode> schema = graph.schema(name);
      if (schema.isPresent()
          && schema.get().kind() == SchemaKind.ViewOnly
          && !graph.transitiveDependents(name).isEmpty()) {
        return "view-only schema "
            + schema.get().name()
            + " changed and other schemas read it (viewChangePolicy FullDeploy)";
      }
    }
    return null;
  }

  private void classify(
      ChangedFile file, PlanInput in, SchemaGraph graph, boolean modelLevel, Detected detected) {
    String path = file.path();
    if (path.equals(ProjectSettings.FILE) && modelLevel) {
      ProjectSettings.Change change =
          ProjectSettings.compare(
              projectFile(in, in.fromCommit()),
              projectFile(in, in.toCommit()),
              shortSha(in.fromCommit()),
              shortSha(in.toCommit()),
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
    } else if (path.equals(ProjectSettings.FILE)) {
      detected.fullDeployReasons.add(
          "dbt_project.yml changed: project-wide settings cannot be attributed to schemas"
              + " without both manifests");
    } else if (PACKAGE_FILES.contains(path)) {
      detected.fullDeployReasons.add(
          path + " changed: package changes cannot be attributed to schemas");
    } else if (path.equals(CONFIG_FILE)) {
      // Operator settings are compared as parsed configs, per schema, without a rebuild.
      return;
    } else if (modelLevel) {
      // The manifest comparison sees every effect of resource and macro files.
      return;
    } else if (in.layout().isMacro(path)) {
      attributeMacroFile(path, graph, detected);
    } else if (in.layout().isResource(path)) {
      attributeResourceFile(path, graph, detected);
    }
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
        .read(commit, ProjectSettings.FILE)
        .orElseThrow(
            () -> new PlanException(ProjectSettings.FILE + " not found at " + shortSha(commit)));
  }

  private void attributeResourceFile(String path, SchemaGraph graph, Detected detected) {
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

  private void attributeMacroFile(String path, SchemaGraph graph, Detected detected) {
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
    Set<String> closure = macroClosure(manifest, macros);
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

  private void compareManifests(
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
    Set<String> macroClosure = macroClosure(to, changedMacros);
    detected.fullDeployReasons.addAll(changedHooks(from, to));

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
   * changed, added or removed hook, of the project or of a package, means a full deploy.
   */
  private static List<String> changedHooks(Manifest from, Manifest to) {
    Set<String> ids = new TreeSet<>(from.hooks().keySet());
    ids.addAll(to.hooks().keySet());
    List<String> reasons = new ArrayList<>();
    for (String id : ids) {
      String was = from.hooks().get(id);
      String now = to.hooks().get(id);
      if (Objects.equals(was, now)) {
        continue;
      }
      String kind = id.contains("on-run-start") ? "on-run-start" : "on-run-end";
      String change = was == null ? "added" : now == null ? "removed" : "changed";
      reasons.add(
          kind
              + " hook "
              + change
              + " ("
              + id
              + "): hooks run around every deploy and cannot be attributed to schemas");
    }
    return reasons;
  }

  /** The changed macros plus every macro that calls one of them, directly or not. */
  private static Set<String> macroClosure(Manifest manifest, Set<String> changed) {
    return MacroCallers.closure(manifest, changed).keySet();
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

  private static PlanStep step(
      SchemaNode schema,
      Action action,
      List<String> reasons,
      List<String> models,
      List<String> removed,
      PlanInput in) {
    List<String> configChanges = configChanges(schema.name(), in);
    return new PlanStep(
        schema.name(),
        action,
        capped(reasons),
        models,
        schema.dependsOn(),
        removed,
        configChanges,
        false);
  }

  /** Operator settings of a schema that differ between the two commits' configs. */
  static List<String> configChanges(String schema, PlanInput in) {
    if (in.fromCommit() == null) {
      return List.of();
    }
    SchemaPolicy was = in.fromConfig().effectivePolicy(schema);
    SchemaPolicy now = in.toConfig().effectivePolicy(schema);
    List<String> changes = new ArrayList<>();
    if (!Objects.equals(was.refresh(), now.refresh())) {
      changes.add("refresh");
    }
    if (!Objects.equals(was.grants(), now.grants())) {
      changes.add("grants");
    }
    if (!Objects.equals(was.kind(), now.kind())) {
      changes.add("kind");
    }
    if (!Objects.equals(was.dependsOn(), now.dependsOn())) {
      changes.add("dependsOn");
    }
    if (was.suspend() != now.suspend()) {
      changes.add("suspend");
    }
    return changes;
  }

  private static List<String> capped(List<String> reasons) {
    List<String> unique = List.copyOf(new LinkedHashSet<>(reasons));
    if (unique.size() <= MAX_REASONS) {
      return unique;
    }
    List<String> head = new ArrayList<>(unique.subList(0, MAX_REASONS));
    head.add("... and " + (unique.size() - MAX_REASONS) + " more");
    return head;
  }

  private static Plan finish(PlanInput in, List<PlanStep> steps, List<String> notes) {
    return new Plan(
        in.fromCommit(),
        in.toCommit(),
        steps,
        notes,
        PlanHash.of(in.fromCommit(), in.toCommit(), steps));
  }

  static String shortSha(String sha) {
    return sha == null ? "(none)" : sha.substring(0, Math.min(7, sha.length()));
  }

  /** What the change detection found, before it becomes steps. */
  private static final class Detected {
    final List<String> fullDeployReasons = new ArrayList<>();

    /** Relations and ephemeral models to build again, with why. */
    final Map<String, String> modified = new TreeMap<>();

    /** Tests to run again, with why, and the schemas of the relations they test. */
    final Map<String, String> tests = new TreeMap<>();

    final Map<String, Set<String>> testSchemas = new TreeMap<>();

    /** Relations that leave a schema that stays, by schema. */
    final Map<String, Set<String>> removed = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    void addTest(ManifestNode test, String reason, SchemaGraph graph) {
      Set<String> schemas = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
      for (String parent : test.dependsOnNodes()) {
        String schema = graph.schemaOf(parent);
        if (schema != null) {
          schemas.add(schema);
        }
      }
      if (!schemas.isEmpty()) {
        tests.put(test.uniqueId(), reason);
        testSchemas.put(test.uniqueId(), schemas);
      }
    }
  }
}
