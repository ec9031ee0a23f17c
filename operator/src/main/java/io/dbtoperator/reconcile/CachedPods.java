package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * The operator's pods as its informer last saw them, in all the projects: reading them there costs
 * the API server nothing.
 */
final class CachedPods {
  private CachedPods() {}

  @SuppressWarnings("unchecked")
  static InformerEventSource<Pod, DbtProject> of(Context<DbtProject> context) {
    return (InformerEventSource<Pod, DbtProject>)
        context.eventSourceRetriever().getEventSourceFor(Pod.class);
  }
}
