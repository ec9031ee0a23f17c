package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class CacheWithoutManagedFieldsTest {

  @Test
  void keepsTheObjectByNamespaceAndNameWithoutItsManagedFields() {
    CacheWithoutManagedFields<Pod> cache = new CacheWithoutManagedFields<>();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("analytics")
            .withName("marts-run-1")
            .addToLabels("app", "dbt")
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("dbt-operator")
                    .withOperation("Apply")
                    .build())
            .endMetadata()
            .withNewSpec()
            .withNodeName("local")
            .endSpec()
            .build();

    cache.put(cache.getKey(pod), pod);

    Pod cached = cache.get("analytics/marts-run-1");
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getLabels()).containsEntry("app", "dbt");
    assertThat(cached.getSpec().getNodeName()).isEqualTo("local");
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.remove("analytics/marts-run-1")).isSameAs(cached);
    assertThat(cache.keySet()).isEmpty();
  }

  @Test
  void dropsTheAnnotationsOfTheGivenPrefixOnly() {
    CacheWithoutManagedFields<Pod> cache =
        new CacheWithoutManagedFields<>(RunPods.CONFIG_ANNOTATION_PREFIX);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("analytics")
            .withName("marts-run-1")
            .addToAnnotations(RunPods.CONFIG_ANNOTATION_PREFIX + "profiles.yml", "dbt: {}")
            .addToAnnotations("team", "data")
            .endMetadata()
            .build();

    cache.put(cache.getKey(pod), pod);

    assertThat(cache.get("analytics/marts-run-1").getMetadata().getAnnotations())
        .containsExactly(java.util.Map.entry("team", "data"));
  }
}
