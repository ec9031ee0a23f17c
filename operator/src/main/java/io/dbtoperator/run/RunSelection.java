package io.dbtoperator.run;

import io.dbtoperator.plan.ManifestNode;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.SchemaNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What one schema run builds, snapshots and keeps from live, read from the commit's manifest. */
final class RunSelection {
  private final RunContext context;
  private final PlanStep step;
  private final SchemaNode schema;
  private final RunId.Kind kind;

  RunSelection(RunContext context, PlanStep step, SchemaNode schema, RunId.Kind kind) {
    this.context = context;
    this.step = step;
    this.schema = schema;
    this.kind = kind;
  }

  /** dbt selectors (fully qualified names) of the models and seeds this run builds. */
  List<String> build() {
    Set<String> ids = new LinkedHashSet<>();
    boolean partial = clonesWholeSchema();
    for (String id : schema.relations()) {
      ManifestNode node = node(id);
      if (node == null || node.isSnapshot()) {
        continue;
      }
      if (node.isSeed() && !kind.isDeploy()) {
        continue;
      }
      if (partial && !step.models().contains(id)) {
        continue;
      }
      ids.add(id);
    }
    if (kind.isDeploy()) {
      // Ephemeral models and tests are not relations but are part of the step when they changed.
      for (String id : step.models()) {
        ManifestNode node = node(id);
        if (node != null && node.isModel() && !node.isSnapshot()) {
          ids.add(id);
        }
      }
    }
    return selectors(ids);
  }

  /**
   * Whether staging starts as a clone of the whole live schema: only for deploys, which then build
   * just the changed models. A refresh rebuilds every model anyway, so it clones only what keeps
   * history, and a whole-schema clone would be work thrown away (docs/deploys.md, "Clone").
   */
  boolean clonesWholeSchema() {
    return context.warehouse().canCloneWholeSchema() && kind.isDeploy();
  }

  /**
   * The dbt commands that build {@code selections} (one schema each) in one invocation: their
   * models, then, on deploy, their snapshots.
   */
  static List<List<String>> commands(List<RunSelection> selections, RunId.Kind kind) {
    List<String> built = new ArrayList<>();
    List<String> snapshots = new ArrayList<>();
    for (RunSelection selection : selections) {
      built.addAll(selection.build());
      snapshots.addAll(selection.snapshotSelectors());
    }
    List<List<String>> commands = new ArrayList<>();
    if (!built.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("build", "--select"));
      args.addAll(built);
      if (kind == RunId.Kind.FULL_REFRESH) {
        args.add("--full-refresh");
      }
      commands.add(args);
    }
    if (kind.isDeploy() && !snapshots.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("snapshot", "--select"));
      args.addAll(snapshots);
      commands.add(args);
    }
    return commands;
  }

  /** The snapshot command for this run: all of the schema's snapshots that the step names. */
  List<String> snapshots() {
    List<String> selectors = snapshotSelectors();
    if (selectors.isEmpty()) {
      return List.of();
    }
    List<String> args = new ArrayList<>(List.of("snapshot", "--select"));
    args.addAll(selectors);
    return args;
  }

  /** Selectors of the schema's snapshots that the step names. */
  List<String> snapshotSelectors() {
    Set<String> ids = new LinkedHashSet<>();
    for (String id : schema.relations()) {
      ManifestNode node = node(id);
      if (node != null
          && node.isSnapshot()
          && (step.snapshotsOnly() || step.models().contains(id))) {
        ids.add(id);
      }
    }
    return selectors(ids);
  }

  /**
   * Live relations staging must hold before the build: snapshots (their history), incremental
   * models (unless fully refreshed) and every relation the build does not create.
   */
  List<String> relationsToKeep() {
    Set<String> built = new LinkedHashSet<>(build());
    List<String> keep = new ArrayList<>();
    for (String id : schema.relations()) {
      ManifestNode node = node(id);
      if (node == null) {
        continue;
      }
      boolean incremental = "incremental".equals(node.materialized());
      if (node.isSnapshot()
          || (incremental && kind != RunId.Kind.FULL_REFRESH)
          || !built.contains(selector(node))) {
        keep.add(node.alias() == null ? node.name() : node.alias());
      }
    }
    return keep;
  }

  private List<String> selectors(Set<String> ids) {
    List<String> selectors = new ArrayList<>();
    for (String id : ids) {
      selectors.add(selector(node(id)));
    }
    return selectors;
  }

  private static String selector(ManifestNode node) {
    return node.fqn().isEmpty() ? node.name() : String.join(".", node.fqn());
  }

  private ManifestNode node(String id) {
    return context.workspace().manifest().nodes().get(id);
  }
}
