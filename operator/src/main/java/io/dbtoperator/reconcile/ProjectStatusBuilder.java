package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectStatus;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.run.SchemaOutcome;
import io.dbtoperator.run.StepProgress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builds a DbtProject's status fresh from what one reconcile observed and did. */
final class ProjectStatusBuilder {
  private final DbtProject project;
  private final Instant now;
  private final DbtProjectStatus previous;
  private String desired;
  private String live;
  private DbtProjectStatus.Plan plan;
  private String phase = "Pending";
  private Conditions.State state = Conditions.State.RECONCILING;
  private String reason = "Planning";
  private String message = "planning";
  private String handledRefresh;
  private String handledReconcile;

  ProjectStatusBuilder(DbtProject project, Instant now) {
    this.project = project;
    this.now = now;
    this.previous = project.getStatus();
    this.handledRefresh = previous == null ? null : previous.lastHandledRefreshAt();
    this.handledReconcile = previous == null ? null : previous.lastHandledReconcileAt();
  }

  void desired(String commit) {
    desired = commit;
  }

  void live(String commit) {
    live = commit;
  }

  void plan(Plan computed) {
    if (!computed.hasChanges()) {
      plan = null;
      return;
    }
    plan =
        new DbtProjectStatus.Plan(
            computed.hash(),
            computed.from(),
            computed.to(),
            computed.summary(),
            computed.steps().stream().map(ProjectStatusBuilder::step).toList());
  }

  /** Whether this reconcile made the project Stalled; it was not before. */
  boolean stalledNow() {
    return state == Conditions.State.STALLED && !isStalled(previous);
  }

  static boolean isStalled(DbtProjectStatus status) {
    return status != null
        && status.conditions() != null
        && status.conditions().stream()
            .anyMatch(c -> Conditions.STALLED.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  void planApplied() {
    plan = null;
  }

  private static DbtProjectStatus.Step step(PlanStep step) {
    return new DbtProjectStatus.Step(
        step.schema(),
        step.action(),
        step.reasons(),
        step.models().size(),
        step.members().stream().map(PlanStep::schema).toList());
  }

  void parsing(String commit) {
    set(
        "Planning",
        Conditions.State.RECONCILING,
        "Parsing",
        "parsing " + shortSha(commit) + " in pod " + ManifestSource.podName(project, commit));
  }

  void suspended() {
    set("Suspended", Conditions.State.WAITING, "Suspended", "spec.suspend is true: no new runs");
  }

  void awaitingApproval(Plan computed) {
    set(
        "AwaitingApproval",
        Conditions.State.WAITING,
        "AwaitingApproval",
        "plan "
            + computed.hash()
            + " ("
            + computed.summary()
            + ") waits for spec.approvedPlan to equal it");
  }

  void deploying(List<StepProgress> steps) {
    progress(steps, "Deploying", "deploy");
  }

  void refreshing(List<StepProgress> steps, String token) {
    progress(steps, "Refreshing", "refresh");
    if (token != null && steps.stream().allMatch(StepProgress::isDone)) {
      handledRefresh = token;
    }
  }

  private void progress(List<StepProgress> steps, String activePhase, String what) {
    long done = steps.stream().filter(StepProgress::isDone).count();
    List<StepProgress> failed =
        steps.stream().filter(s -> s.isDone() && s.outcome().result().blocksDependents()).toList();
    if (done < steps.size()) {
      set(
          activePhase,
          Conditions.State.RECONCILING,
          activePhase,
          what + ": " + done + "/" + steps.size() + " schemas done" + failures(failed));
    } else if (!failed.isEmpty()) {
      boolean stalled =
          failed.stream()
              .anyMatch(
                  s ->
                      s.outcome().result() == SchemaOutcome.Result.FAILED
                          && RetryPolicy.isStalled(s.outcome()));
      set(
          "Failed",
          stalled ? Conditions.State.STALLED : Conditions.State.RECONCILING,
          stalled ? "RetriesExhausted" : "SchemasFailed",
          what + " incomplete" + failures(failed));
    } else {
      ready();
    }
  }

  private static String failures(List<StepProgress> failed) {
    if (failed.isEmpty()) {
      return "";
    }
    StringBuilder text = new StringBuilder("; ");
    for (StepProgress step : failed) {
      if (text.length() > 2) {
        text.append("; ");
      }
      text.append(step.step().schema()).append(": ").append(step.outcome().message());
    }
    return text.toString();
  }

  void ready() {
    // The message names the live commit, which the same pass may still move.
    set("Ready", Conditions.State.READY, "Live", null);
  }

  void problem(String why, String text) {
    set("Failed", Conditions.State.STALLED, why, text);
  }

  void failed(String why, String text) {
    set("Failed", Conditions.State.RECONCILING, why, text);
  }

  void reconcileRequest(DbtProject resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(Labels.FLUX_REQUESTED)) {
      handledReconcile = annotations.get(Labels.FLUX_REQUESTED);
    }
  }

  private void set(String phase, Conditions.State state, String reason, String message) {
    this.phase = phase;
    this.state = state;
    this.reason = reason;
    this.message = message;
  }

  DbtProjectStatus build() {
    long generation =
        project.getMetadata().getGeneration() == null ? 0 : project.getMetadata().getGeneration();
    return new DbtProjectStatus(
        generation,
        Conditions.of(
            state,
            reason,
            message != null ? message : "every schema is live at " + shortSha(live),
            generation,
            previous == null ? null : previous.conditions(),
            now),
        phase,
        desired,
        shortSha(desired),
        live,
        shortSha(live),
        plan,
        previous == null ? null : previous.lastRun(),
        handledRefresh,
        handledReconcile);
  }

  private static String shortSha(String sha) {
    return sha == null ? null : sha.substring(0, Math.min(7, sha.length()));
  }
}
