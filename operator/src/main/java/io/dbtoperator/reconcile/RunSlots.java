package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * How many runs a project may have going: its own limit, and what the operator-wide limit leaves
 * after the other projects' build pods that have not ended. The pods come from the informer's
 * cache, so the count survives restarts without any bookkeeping of its own.
 */
final class RunSlots {
  private RunSlots() {}

  static int forProject(DbtProject project, Stream<Pod> buildPods, OperatorSettings settings) {
    long elsewhere = buildPods.filter(RunSlots::going).filter(p -> !ofProject(p, project)).count();
    long left = Math.max(0, settings.maxRunsTotal() - elsewhere);
    return (int) Math.min(settings.maxRunsPerProject(), left);
  }

  private static boolean going(Pod pod) {
    if (pod.getMetadata().getLabels() == null
        || !pod.getMetadata().getLabels().containsKey(Labels.RUN)
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  private static boolean ofProject(Pod pod, DbtProject project) {
    return Objects.equals(pod.getMetadata().getNamespace(), project.getMetadata().getNamespace())
        && Objects.equals(
            pod.getMetadata().getLabels().get(Labels.PROJECT), project.getMetadata().getName());
  }
}
