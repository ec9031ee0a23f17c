package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtSchema;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaUpdateFilterTest {
  private final SchemaUpdateFilter filter = new SchemaUpdateFilter();

  private static DbtSchema schema() {
    return Serialization.unmarshal(
        """
        apiVersion: dbtoperator.io/v1alpha1
        kind: DbtSchema
        metadata: {name: marts, namespace: analytics, generation: 3, resourceVersion: "10",
                   annotations: {a: b}, labels: {l: m}}
        spec: {projectRef: shop, schema: marts}
        status: {phase: Ready}
        """,
        DbtSchema.class);
  }

  @Test
  void aStatusWriteStartsNoPass() {
    DbtSchema updated = schema();
    updated.getMetadata().setResourceVersion("11");
    updated.setStatus(
        Serialization.unmarshal("{\"phase\": \"Refreshing\"}", updated.getStatus().getClass()));

    assertThat(filter.accept(updated, schema())).isFalse();
  }

  @Test
  void specAnnotationsLabelsFinalizersAndDeletionStartOne() {
    DbtSchema spec = schema();
    spec.getMetadata().setGeneration(4L);
    DbtSchema annotation = schema();
    annotation.getMetadata().setAnnotations(Map.of("dbtoperator.io/refresh", "now"));
    DbtSchema label = schema();
    label.getMetadata().setLabels(Map.of());
    DbtSchema finalizer = schema();
    finalizer.getMetadata().setFinalizers(List.of(Labels.DROP_FINALIZER));
    DbtSchema deleted = schema();
    deleted.getMetadata().setDeletionTimestamp("2026-11-28T00:00:00Z");

    for (DbtSchema updated : List.of(spec, annotation, label, finalizer, deleted)) {
      assertThat(filter.accept(updated, schema())).isTrue();
    }
  }
}
