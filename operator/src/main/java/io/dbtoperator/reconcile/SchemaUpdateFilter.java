package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtSchema;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which changes of a DbtSchema are news to the reconcilers: its spec (generation), the requests in
 * its annotations, its labels (managed or hand-written), its finalizers and its deletion. A change
 * of status alone is the operator's own write: when every status patch started a pass of the
 * project and of the schema, a refresh tick of 20 schemas cost dozens of passes
 * (docs/benchmarks.md).
 */
public final class SchemaUpdateFilter implements OnUpdateFilter<DbtSchema> {
  @Override
  public boolean accept(DbtSchema updated, DbtSchema old) {
    ObjectMeta now = updated.getMetadata();
    ObjectMeta before = old.getMetadata();
    return !Objects.equals(now.getGeneration(), before.getGeneration())
        || !Objects.equals(now.getAnnotations(), before.getAnnotations())
        || !Objects.equals(now.getLabels(), before.getLabels())
        || !Objects.equals(now.getFinalizers(), before.getFinalizers())
        || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp());
  }
}
