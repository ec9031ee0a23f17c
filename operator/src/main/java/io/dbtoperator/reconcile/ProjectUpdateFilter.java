package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which changes of a DbtProject start a reconcile: a new spec (generation), or new annotations,
 * which carry the requests (the clock's refresh tick, Flux's reconcile request). The SDK's default,
 * generation only, let a tick wait for the next periodic pass (up to {@code --git-poll}); a change
 * of status alone, which the operator writes itself, still starts none.
 */
public final class ProjectUpdateFilter implements OnUpdateFilter<DbtProject> {
  @Override
  public boolean accept(DbtProject updated, DbtProject old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(
            updated.getMetadata().getAnnotations(), old.getMetadata().getAnnotations())
        || updated.getMetadata().getDeletionTimestamp() != null;
  }
}
