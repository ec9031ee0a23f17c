package io.dbtoperator.plan;

import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.api.ViewChangePolicy;
import io.dbtoperator.git.ChangedFile;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

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

    // The live graph is built beside the desired one: on large projects the two builds are most of
    // the planning after the manifests are read (docs/benchmarks.md, "Third round").
    CompletableFuture<SchemaGraph> fromBuild =
        in.fromManifest() == null
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.supplyAsync(
                () -> SchemaGraph.build(in.fromManifest(), in.fromConfig()));
    SchemaGraph toGraph =
        in.toManifest() == null ? null : SchemaGraph.build(in.toManifest(), in.toConfig());
    SchemaGraph fromGraph = Futures.joined(fromBuild);
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
      return finish(in, grouped(graph, firstDeploy(graph, in)), notes);
    }

    Detected detected = new Detected();
    boolean modelLevel = in.fromManifest() != null && in.toManifest() != null;
    for (ChangedFile file : in.changedFiles()) {
      classify(file, in, graph, modelLevel, detected);
    }
    if (modelLevel) {
      ManifestComparison.compare(in.fromManifest(), in.toManifest(), fromGraph, toGraph, detected);
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
    steps = grouped(graph, steps);
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
      ProjectSettings.attribute(in, graph, detected);
    } else if (path.equals(ProjectSettings.FILE)) {
      detected.fullDeployReasons.add(
          "dbt_project.yml changed: project-wide settings cannot be attributed to schemas"
              + " without both manifests");
    } else if (PACKAGE_FILES.contains(path) && !modelLevel) {
      detected.fullDeployReasons.add(
          path
              + " changed: package changes cannot be attributed to schemas without both"
              + " manifests");
    } else if (PACKAGE_FILES.contains(path)) {
      // The manifests hold the installed packages: their macros and models are compared.
      return;
    } else if (path.equals(CONFIG_FILE)) {
      // Operator settings are compared as parsed configs, per schema, without a rebuild.
      return;
    } else if (modelLevel) {
      // The manifest comparison sees every effect of resource and macro files.
      return;
    } else if (in.layout().isMacro(path)) {
      FileLevelRules.attributeMacroFile(path, graph, detected);
    } else if (in.layout().isResource(path)) {
      FileLevelRules.attributeResourceFile(path, graph, detected);
    }
  }

  /**
   * Replaces the steps of schemas that read each other, and that all build in this plan, with one
   * group step where the first of them stood: they deploy as one unit. A member that does not build
   * stays out, as its own step; the others read its live version.
   */
  private static List<PlanStep> grouped(SchemaGraph graph, List<PlanStep> steps) {
    Map<String, List<PlanStep>> building = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (PlanStep step : steps) {
      SchemaGroup group = groupOf(graph, step);
      if (group != null && step.action().changes() && step.action() != Action.RETIRE) {
        building.computeIfAbsent(group.members().get(0), k -> new ArrayList<>()).add(step);
      }
    }
    List<PlanStep> result = new ArrayList<>();
    for (PlanStep step : steps) {
      SchemaGroup group = groupOf(graph, step);
      List<PlanStep> members =
          group == null ? List.of() : building.getOrDefault(group.members().get(0), List.of());
      if (members.size() < 2 || !members.contains(step)) {
        result.add(step);
      } else if (members.get(0) == step) {
        result.add(PlanStep.group(members, group.reason(names(members))));
      }
    }
    return result;
  }

  private static SchemaGroup groupOf(SchemaGraph graph, PlanStep step) {
    return graph.schema(step.schema()).map(SchemaNode::group).orElse(null);
  }

  private static List<String> names(List<PlanStep> steps) {
    return steps.stream().map(PlanStep::schema).toList();
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
        schema.dependsOnOutsideGroup(),
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
}
