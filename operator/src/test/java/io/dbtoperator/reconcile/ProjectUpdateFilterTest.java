package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A tick's annotation starts a reconcile at once; the operator's own status write does not. */
class ProjectUpdateFilterTest {
  static DbtProject project(long generation, Map<String, String> annotations, String phase) {
    DbtProject project = new DbtProject();
    project.getMetadata().setName("shop");
    project.getMetadata().setGeneration(generation);
    project.getMetadata().setAnnotations(annotations);
    project.setStatus(
        new DbtProjectStatus(
            generation, null, phase, null, null, null, null, null, null, null, null));
    return project;
  }

  final ProjectUpdateFilter filter = new ProjectUpdateFilter();

  @Test
  void aRefreshRequestAnnotationStartsAReconcile() {
    DbtProject old = project(2, Map.of(), "Ready");
    DbtProject ticked =
        project(2, Map.of(Labels.REFRESH_REQUESTED, "2026-11-28T10:00:00Z"), "Ready");
    assertThat(filter.accept(ticked, old)).isTrue();
  }

  @Test
  void aNewSpecStartsAReconcile() {
    assertThat(filter.accept(project(3, Map.of(), "Ready"), project(2, Map.of(), "Ready")))
        .isTrue();
  }

  @Test
  void aStatusWrittenByTheOperatorStartsNone() {
    Map<String, String> annotations = Map.of(Labels.REFRESH_REQUESTED, "t1");
    assertThat(
            filter.accept(project(2, annotations, "Refreshing"), project(2, annotations, "Ready")))
        .isFalse();
  }
}
