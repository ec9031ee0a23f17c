package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.dbtoperator.plan.Action;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** Observed state of a project. Timestamps are RFC 3339 strings, as in core Kubernetes types. */
public record DbtProjectStatus(
    @JsonPropertyDescription("metadata.generation of the spec this status reflects.")
        Long observedGeneration,
    @SchemaFrom(type = ConditionSchema[].class)
        @JsonPropertyDescription("Conditions of types Ready, Reconciling and Stalled.")
        List<Condition> conditions,
    @JsonPropertyDescription(
            "Summary of the project's state: Pending, Planning, AwaitingApproval, Deploying,"
                + " Ready, Failed or Suspended.")
        String phase,
    @JsonPropertyDescription("Commit that git.ref or git.commit resolves to.") String desiredCommit,
    @JsonPropertyDescription("First 7 characters of desiredCommit.") String desiredCommitShort,
    @JsonPropertyDescription("Commit whose build of every schema is live.") String liveCommit,
    @JsonPropertyDescription("First 7 characters of liveCommit.") String liveCommitShort,
    @JsonPropertyDescription("The plan from liveCommit to desiredCommit; absent when none.")
        Plan plan,
    @JsonPropertyDescription("The latest run of the project.") RunSummary lastRun,
    @JsonPropertyDescription(
            "Token of the last refresh request (annotation dbtoperator.io/refresh-requested-at)"
                + " whose due schemas were all refreshed or failed.")
        String lastHandledRefreshAt,
    @JsonPropertyDescription(
            "Token of the last reconcile request (annotation reconcile.fluxcd.io/requestedAt)"
                + " handled.")
        String lastHandledReconcileAt) {

  /** A computed plan. */
  public record Plan(
      @JsonPropertyDescription("Hash identifying the plan; copy it to spec.approvedPlan.")
          String hash,
      @JsonPropertyDescription("Commit the plan starts from (the live commit).") String from,
      @JsonPropertyDescription("Commit the plan deploys.") String to,
      @JsonPropertyDescription(
              "Schema counts by action, e.g. \"3 deploy, 1 refresh\"; a group counts each member.")
          String summary,
      @JsonPropertyDescription(
              "What happens to each schema, or to each group of schemas that read each other.")
          List<Step> steps) {}

  /** One schema's step of a plan, or one group's. */
  public record Step(
      @JsonPropertyDescription(
              "Warehouse schema name; for a group, its members' names joined with \"+\".")
          String schema,
      @JsonPropertyDescription("What happens to the schema.") Action action,
      @JsonPropertyDescription("Why, naming the files, models or settings involved.")
          List<String> reasons,
      @JsonPropertyDescription("Number of nodes built; the rest is cloned.") Integer models,
      @JsonPropertyDescription(
              "For a group: its schemas, built into staging together, tested, then swapped"
                  + " together.")
          @JsonInclude(JsonInclude.Include.NON_EMPTY)
          List<String> members) {}
}
