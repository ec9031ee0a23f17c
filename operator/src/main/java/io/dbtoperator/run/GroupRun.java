package io.dbtoperator.run;

import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.plan.SchemaNode;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.StateStoreException;
import io.dbtoperator.warehouse.StagingSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The runs of schemas that read each other, carried out as one unit: each member prepares and
 * clones its own staging, one dbt build fills all the stagings (so each reads the other's new
 * version), each member grants, and all swap together ({@code Warehouse#swapTogether}). Then each
 * records and cleans up.
 *
 * <p>Every member keeps its own run record and lease, and the group's steps are recorded in each
 * member's run, so a restarted process resumes the group where it stopped: the build is done once
 * any member recorded it (the first member's run id names it, so an operator finds its pod again),
 * and the swap, which the warehouse makes idempotent by the runs' tags, is repeated until every
 * member recorded it.
 */
final class GroupRun {
  private final RunContext context;
  private final List<SchemaRun> members;

  /**
   * @param members the group's runs, in the plan's order; the first one's run carries the build
   */
  GroupRun(RunContext context, List<SchemaRun> members) {
    this.context = context;
    this.members = List.copyOf(members);
  }

  /**
   * Advances the unit of {@code memberSteps}, the steps of a plan that list the same group.
   *
   * @param blocked why an upstream schema of a member holds the whole unit, if one does
   * @return the progress of every member's step, by lower-cased schema name
   */
  static Map<String, StepProgress> advance(
      RunContext context, SchemaGraph graph, List<PlanStep> memberSteps, Optional<String> blocked) {
    Map<String, StepProgress> result = new HashMap<>();
    List<SchemaRun> runs = new ArrayList<>();
    for (PlanStep member : memberSteps) {
      Optional<SchemaNode> schema = graph.schema(member.schema());
      if (blocked.isPresent() || schema.isEmpty()) {
        for (PlanStep other : memberSteps) {
          SchemaOutcome outcome =
              blocked.isPresent()
                  ? ended(context, other, SchemaOutcome.Result.WAITING, blocked.get())
                  : ended(
                      context,
                      other,
                      SchemaOutcome.Result.FAILED,
                      (other == member ? "" : "deployed as one unit with " + member.schema() + ": ")
                          + "schema "
                          + member.schema()
                          + " is not in the manifest");
          result.put(key(other), StepProgress.done(other, outcome));
        }
        return result;
      }
      runs.add(new SchemaRun(context, member, schema.get(), RunEngine.kindOf(member)));
    }
    Optional<Map<String, SchemaOutcome>> outcomes = new GroupRun(context, runs).advance();
    for (int i = 0; i < memberSteps.size(); i++) {
      PlanStep member = memberSteps.get(i);
      SchemaRun run = runs.get(i);
      result.put(
          key(member),
          outcomes
              .map(o -> StepProgress.done(member, o.get(member.schema())))
              .orElseGet(
                  () ->
                      new StepProgress(
                          member, StepProgress.State.RUNNING, null, run.runId(), run.detail())));
    }
    return result;
  }

  private static String key(PlanStep step) {
    return step.schema().toLowerCase(Locale.ROOT);
  }

  private static SchemaOutcome ended(
      RunContext context, PlanStep step, SchemaOutcome.Result result, String message) {
    SchemaOutcome outcome =
        new SchemaOutcome(
            step.schema(), step.action(), false, result, null, RunCounts.NONE, message);
    context.listener().finished(outcome);
    return outcome;
  }

  /**
   * Carries the group as far as it goes without waiting on dbt.
   *
   * @return each member's outcome by schema name, or empty while the build is still going
   */
  private Optional<Map<String, SchemaOutcome>> advance() {
    List<SchemaRun> opened = new ArrayList<>();
    for (SchemaRun member : members) {
      Optional<SchemaOutcome> busy = member.open();
      if (busy.isPresent()) {
        opened.forEach(m -> m.close(true));
        return Optional.of(busyOutcomes(member, busy.get()));
      }
      opened.add(member);
    }
    Optional<Map<String, SchemaOutcome>> outcomes = Optional.empty();
    try {
      outcomes = runSteps();
      return outcomes;
    } finally {
      boolean finished = outcomes.isPresent();
      members.forEach(m -> m.close(finished));
    }
  }

  private Optional<Map<String, SchemaOutcome>> runSteps() {
    Optional<Map<String, SchemaOutcome>> failed = eachUpTo(RunStep.BUILD);
    if (failed.isPresent()) {
      return failed;
    }
    if (members.stream().allMatch(m -> before(m, RunStep.BUILD))) {
      SchemaRun.StepResult build = buildOnce();
      if (build.failure() != null) {
        return Optional.of(failAll(members.get(0), build.failure()));
      }
      if (build.running() != null) {
        members.forEach(m -> m.noteBuilding(build.running()));
        return Optional.empty();
      }
    }
    markDone(RunStep.BUILD);
    failed = eachUpTo(RunStep.SWAP);
    if (failed.isPresent()) {
      return failed;
    }
    if (members.stream().anyMatch(m -> before(m, RunStep.SWAP))) {
      Optional<Map<String, SchemaOutcome>> swapFailed = swap();
      if (swapFailed.isPresent()) {
        return swapFailed;
      }
      markDone(RunStep.SWAP);
    }
    Map<String, SchemaOutcome> outcomes = new LinkedHashMap<>();
    for (SchemaRun member : members) {
      // After the swap nothing fails a member: its own steps note what goes wrong and go on.
      outcomes.put(member.schemaName(), member.runSteps(null).orElseThrow());
    }
    return Optional.of(outcomes);
  }

  /** Runs each member's own steps up to {@code stop}; the first failure fails the whole group. */
  private Optional<Map<String, SchemaOutcome>> eachUpTo(RunStep stop) {
    for (SchemaRun member : members) {
      Optional<SchemaOutcome> ended = member.runSteps(stop);
      if (ended.isPresent()) {
        return Optional.of(failOthers(member, ended.get()));
      }
    }
    return Optional.empty();
  }

  private SchemaRun.StepResult buildOnce() {
    for (SchemaRun member : members) {
      if (!member.renewLease()) {
        return new SchemaRun.StepResult(
            "lost the lease of " + member.schemaName() + " before BUILD", null);
      }
    }
    return members.get(0).buildTogether(members);
  }

  private Optional<Map<String, SchemaOutcome>> swap() {
    List<StagingSchema> stagings = new ArrayList<>();
    for (SchemaRun member : members) {
      if (!member.renewLease()) {
        return Optional.of(
            failAll(member, "lost the lease of " + member.schemaName() + " before SWAP"));
      }
      stagings.add(member.staging());
    }
    try {
      if (!context.warehouse().swapTogether(stagings)) {
        context
            .listener()
            .notice(
                members.get(0).schemaName(), "already swapped by an earlier attempt of this run");
      }
      for (SchemaRun member : members) {
        member.grantsAfterSwap();
      }
    } catch (RuntimeException e) {
      if (e instanceof StateStoreException) {
        throw e;
      }
      return Optional.of(failAll(members.get(0), "swap: " + e.getMessage()));
    }
    return Optional.empty();
  }

  /** Records a group step in every member's run that has not recorded it yet. */
  private void markDone(RunStep step) {
    for (SchemaRun member : members) {
      if (before(member, step)) {
        member.completed(step);
      }
    }
  }

  private static boolean before(SchemaRun member, RunStep step) {
    RunStep last = member.lastCompleted();
    return last == null || last.ordinal() < step.ordinal();
  }

  private Map<String, SchemaOutcome> failAll(SchemaRun cause, String message) {
    Map<String, SchemaOutcome> outcomes = new LinkedHashMap<>();
    for (SchemaRun member : members) {
      outcomes.put(
          member.schemaName(),
          member.fail(member == cause ? message : groupMessage(cause, message)));
    }
    return outcomes;
  }

  /** The other members fail with the one that failed: the group goes live together or not. */
  private Map<String, SchemaOutcome> failOthers(SchemaRun cause, SchemaOutcome outcome) {
    Map<String, SchemaOutcome> outcomes = new LinkedHashMap<>();
    for (SchemaRun member : members) {
      outcomes.put(
          member.schemaName(),
          member == cause ? outcome : member.fail(groupMessage(cause, outcome.message())));
    }
    return outcomes;
  }

  private static String groupMessage(SchemaRun cause, String message) {
    return "not swapped: "
        + cause.schemaName()
        + ", deployed with it as one unit, failed ("
        + message
        + "); live is unchanged";
  }

  private Map<String, SchemaOutcome> busyOutcomes(SchemaRun busy, SchemaOutcome outcome) {
    Map<String, SchemaOutcome> outcomes = new LinkedHashMap<>();
    for (SchemaRun member : members) {
      if (member == busy) {
        outcomes.put(member.schemaName(), outcome);
        continue;
      }
      SchemaOutcome waiting =
          new SchemaOutcome(
              member.schemaName(),
              outcome.action(),
              false,
              SchemaOutcome.Result.BUSY,
              null,
              outcome.counts(),
              "deployed as one unit with " + busy.schemaName() + ", whose lease another run holds");
      context.listener().finished(waiting);
      outcomes.put(member.schemaName(), waiting);
    }
    return outcomes;
  }
}
