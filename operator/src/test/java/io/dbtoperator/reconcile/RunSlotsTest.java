package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RunSlotsTest {
  private static OperatorSettings limits(int perProject, int total) {
    return new OperatorSettings(
        Path.of("/tmp"),
        null,
        "dbt-operator:test",
        1,
        perProject,
        total,
        Duration.ofHours(1),
        Duration.ofMinutes(1),
        3,
        Duration.ofSeconds(30),
        Duration.ofMinutes(30),
        "test-holder");
  }

  private static DbtProject project(String namespace, String name) {
    DbtProject project = new DbtProject();
    project.getMetadata().setNamespace(namespace);
    project.getMetadata().setName(name);
    return project;
  }

  private static Pod buildPod(String namespace, String project, String phase) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(project + "-" + phase)
        .addToLabels(Labels.PROJECT, project)
        .addToLabels(Labels.RUN, "r1")
        .endMetadata()
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }

  @Test
  void theProjectLimitHoldsWhenTheOperatorHasRoom() {
    assertThat(RunSlots.forProject(project("a", "shop"), Stream.of(), limits(4, 20))).isEqualTo(4);
  }

  @Test
  void otherProjectsRunningPodsTakeFromTheOperatorWideLimit() {
    Stream<Pod> pods =
        Stream.of(
            buildPod("a", "finance", "Running"),
            buildPod("a", "finance", "Pending"),
            buildPod("b", "shop", "Running"),
            // Its own runs are counted by the engine, which resumes them whatever the limit.
            buildPod("a", "shop", "Running"),
            // Ended pods hold no slot.
            buildPod("a", "finance", "Succeeded"),
            buildPod("a", "finance", "Failed"));

    assertThat(RunSlots.forProject(project("a", "shop"), pods, limits(4, 5))).isEqualTo(2);
  }

  @Test
  void aFullOperatorLeavesNoSlotAndParsePodsDoNotCount() {
    Pod parse = buildPod("a", "finance", "Running");
    parse.getMetadata().getLabels().remove(Labels.RUN);
    Stream<Pod> pods =
        Stream.of(buildPod("a", "finance", "Running"), buildPod("b", "x", "Running"), parse);

    assertThat(RunSlots.forProject(project("a", "shop"), pods, limits(4, 2))).isZero();
  }
}
