package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;

/**
 * Whether a transition the project's status records (a new plan, an approval, a stall) is new, so
 * that its event is recorded once. A pass gets the project from the informer, which may not hold
 * yet the status the previous pass wrote: the demo recorded {@code Planned} twice for one plan, 200
 * ms apart. What the cached status calls new is checked against the status read from the API
 * server: one GET, in the passes that see a transition only.
 *
 * <p>RunStarted, Swapped, TestsFailed and Failed need no such check: the run records in the state
 * store, written before the event, decide them.
 */
final class Transitions {
  private final KubernetesClient client;
  private final DbtProject project;
  private DbtProjectStatus fresh;
  private boolean read;

  Transitions(KubernetesClient client, DbtProject project) {
    this.client = client;
    this.project = project;
  }

  /** Whether the plan of this hash was not announced: no status so far holds it. */
  boolean newPlan(String hash) {
    return !Objects.equals(planHash(project.getStatus()), hash)
        && !Objects.equals(planHash(fresh()), hash);
  }

  /** Whether the project was awaiting approval until this pass, fresh status included. */
  boolean wasAwaitingApproval() {
    return awaitingApproval(project.getStatus()) && awaitingApproval(fresh());
  }

  /** Whether this pass's status stalls the project and no status so far had it stalled. */
  boolean newStall(ProjectStatusBuilder status) {
    return status.stalledNow() && !ProjectStatusBuilder.isStalled(fresh());
  }

  private DbtProjectStatus fresh() {
    if (!read) {
      DbtProject current =
          client
              .resources(DbtProject.class)
              .inNamespace(project.getMetadata().getNamespace())
              .withName(project.getMetadata().getName())
              .get();
      fresh = current == null ? null : current.getStatus();
      read = true;
    }
    return fresh;
  }

  private static String planHash(DbtProjectStatus status) {
    return status == null || status.plan() == null ? null : status.plan().hash();
  }

  private static boolean awaitingApproval(DbtProjectStatus status) {
    return status != null && "AwaitingApproval".equals(status.phase());
  }
}
