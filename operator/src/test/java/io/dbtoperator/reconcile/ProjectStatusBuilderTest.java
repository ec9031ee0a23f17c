package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectStatus;
import io.dbtoperator.plan.Action;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.PlanStep;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Status built fresh: kstatus conditions, kept transition times, the final live commit. */
class ProjectStatusBuilderTest {
  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  static final Instant T1 = Instant.parse("2026-11-28T10:05:00Z");
  static final String SHA = "1c9e0f2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9c0";

  static DbtProject project(DbtProjectStatus status) {
    DbtProject project = new DbtProject();
    project.getMetadata().setName("shop");
    project.getMetadata().setGeneration(3L);
    project.setStatus(status);
    return project;
  }

  static Condition condition(DbtProjectStatus status, String type) {
    return status.conditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void readyNamesTheLiveCommitThePassEndedWith() {
    ProjectStatusBuilder builder = new ProjectStatusBuilder(project(null), T0);
    builder.desired(SHA);
    builder.live("0000000aaaa");
    builder.ready();
    builder.live(SHA);

    DbtProjectStatus status = builder.build();
    Condition ready = condition(status, "Ready");
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Live");
    assertThat(ready.getMessage()).isEqualTo("every schema is live at 1c9e0f2");
    assertThat(ready.getObservedGeneration()).isEqualTo(3L);
    assertThat(status.observedGeneration()).isEqualTo(3L);
    assertThat(status.conditions()).extracting(Condition::getType).containsExactly("Ready");
  }

  @Test
  void anUnchangedConditionKeepsItsTransitionTimeAndAStallIsNewOnlyOnce() {
    ProjectStatusBuilder first = new ProjectStatusBuilder(project(null), T0);
    first.problem("SecretNotFound", "spec.warehouse.secretRef: secret \"x\" not found");
    DbtProjectStatus stalled = first.build();
    assertThat(first.stalledNow()).isTrue();
    assertThat(condition(stalled, "Stalled").getStatus()).isEqualTo("True");
    assertThat(condition(stalled, "Ready").getMessage())
        .isEqualTo("spec.warehouse.secretRef: secret \"x\" not found");

    ProjectStatusBuilder second = new ProjectStatusBuilder(project(stalled), T1);
    second.problem("SecretNotFound", "spec.warehouse.secretRef: secret \"x\" not found");
    DbtProjectStatus again = second.build();
    assertThat(second.stalledNow()).as("already stalled: no second event").isFalse();
    assertThat(condition(again, "Stalled").getLastTransitionTime()).isEqualTo(T0.toString());
    assertThat(again).isEqualTo(stalled);

    ProjectStatusBuilder third = new ProjectStatusBuilder(project(again), T1);
    third.live(SHA);
    third.ready();
    DbtProjectStatus ready = third.build();
    assertThat(condition(ready, "Ready").getLastTransitionTime()).isEqualTo(T1.toString());
    assertThat(ready.conditions()).extracting(Condition::getType).containsExactly("Ready");
  }

  @Test
  void aGroupOfSchemasIsOnePlanStepNamingItsMembers() {
    PlanStep a =
        new PlanStep(
            "a",
            Action.DEPLOY,
            List.of("a1 changed"),
            List.of("m.a1"),
            List.of(),
            null,
            null,
            false);
    PlanStep b =
        new PlanStep(
            "b",
            Action.DEPLOY,
            List.of("reads a"),
            List.of("m.b1", "m.b2"),
            List.of("raw"),
            null,
            null,
            false);
    PlanStep c =
        new PlanStep(
            "c", Action.NOOP, List.of("unchanged"), List.of(), List.of("a"), null, null, false);
    Plan plan =
        new Plan(
            "0000000",
            SHA,
            List.of(PlanStep.group(List.of(a, b), "they read each other"), c),
            List.of(),
            "h1");
    ProjectStatusBuilder builder = new ProjectStatusBuilder(project(null), T0);
    builder.plan(plan);

    DbtProjectStatus status = builder.build();

    assertThat(status.plan().summary()).isEqualTo("2 deploy");
    assertThat(status.plan().steps())
        .extracting(
            DbtProjectStatus.Step::schema,
            DbtProjectStatus.Step::action,
            DbtProjectStatus.Step::models,
            DbtProjectStatus.Step::members)
        .containsExactly(
            tuple("a+b", Action.DEPLOY, 3, List.of("a", "b")),
            tuple("c", Action.NOOP, 0, List.of()));
    assertThat(status.plan().steps().get(0).reasons()).containsExactly("they read each other");
  }

  @Test
  void aStatusWithoutAMessageIsNeverWritten() {
    List<Condition> conditions =
        Conditions.of(Conditions.State.RECONCILING, "Building", null, 1, null, T0);
    assertThat(conditions).allSatisfy(c -> assertThat(c.getMessage()).isNotNull());
  }
}
