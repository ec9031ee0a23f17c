package io.dbtoperator.run;

import io.dbtoperator.plan.Action;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.PlanException;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.SchemaTag;
import io.dbtoperator.warehouse.Warehouse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What must hold before a plan touches the warehouse: checked as a whole, so that a plan either
 * starts or changes nothing. Each failure is one line naming the schema, setting or owner.
 */
final class PlanChecks {
  private PlanChecks() {}

  /**
   * @param takeOver whether schemas owned by another project may be deployed over
   */
  static void check(
      String project,
      StateStore store,
      Warehouse warehouse,
      SchemaGraph graph,
      OperatorConfig config,
      List<PlanStep> steps,
      boolean takeOver) {
    settingsMatchTheManifest(graph);
    for (SchemaNode schema : graph.schemas()) {
      privilegesAreKnown(warehouse, schema.name(), config);
    }
    for (PlanStep step : steps) {
      if (step.action() == Action.RETIRE) {
        continue;
      }
      nameFits(warehouse, step.schema());
      if (!takeOver) {
        ownedByNoOtherProject(project, store, warehouse, step.schema());
      }
    }
  }

  private static void settingsMatchTheManifest(SchemaGraph graph) {
    if (graph.unmatchedPolicies().isEmpty()) {
      return;
    }
    TreeSet<String> known = new TreeSet<>();
    graph.schemas().forEach(s -> known.add(s.name()));
    throw new PlanException(
        "settings (dbt-operator.yml schemas or a DbtSchema) name schema \""
            + graph.unmatchedPolicies().get(0)
            + "\", which the manifest does not have (schemas: "
            + String.join(", ", known)
            + ")");
  }

  private static void privilegesAreKnown(
      Warehouse warehouse, String schema, OperatorConfig config) {
    Map<String, List<String>> grants = config.effectivePolicy(schema).grants();
    if (grants == null) {
      return;
    }
    for (Map.Entry<String, List<String>> grant : grants.entrySet()) {
      for (String privilege : grant.getValue()) {
        String upper = privilege.trim().toUpperCase(Locale.ROOT);
        if (!warehouse.privileges().contains(upper)) {
          throw new PlanException(
              "grants of schema "
                  + schema
                  + ", role "
                  + grant.getKey()
                  + ": \""
                  + privilege
                  + "\" is not a privilege on tables and views here (known: "
                  + String.join(", ", new TreeSet<>(warehouse.privileges()))
                  + ")");
        }
      }
    }
  }

  /** A longer name would be cut short by the warehouse, while tag and state keep it whole. */
  private static void nameFits(Warehouse warehouse, String schema) {
    int bytes = schema.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > warehouse.maxNameBytes()) {
      throw new PlanException(
          "schema \""
              + schema.substring(0, Math.min(schema.length(), 40))
              + "...\" is "
              + bytes
              + " bytes long; the warehouse keeps at most "
              + warehouse.maxNameBytes()
              + ": shorten its schema (or custom schema) in dbt");
    }
  }

  private static void ownedByNoOtherProject(
      String project, StateStore store, Warehouse warehouse, String schema) {
    Optional<SchemaTag> tag = warehouse.tag(schema);
    if (tag.isPresent() && !tag.get().project().equals(project)) {
      throw owned(schema, tag.get().project(), "its tag in the warehouse");
    }
    for (String other : store.projects()) {
      if (other.equals(project)) {
        continue;
      }
      Optional<SchemaState> claim = store.schema(other, schema);
      if (claim.isPresent()) {
        throw owned(schema, other, "the state store");
      }
    }
  }

  private static PlanException owned(String schema, String owner, String where) {
    return new PlanException(
        "schema "
            + schema
            + " belongs to project "
            + owner
            + " ("
            + where
            + "); deploying over it would replace that project's data: pass --take-over to"
            + " take it over");
  }
}
