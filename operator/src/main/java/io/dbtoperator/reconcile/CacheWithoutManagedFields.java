package io.dbtoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.stream.Stream;

/**
 * An informer's store that keeps objects without their {@code metadata.managedFields}. The operator
 * never reads them, and they are a large part of every object: the field sets of each manager, as
 * nested maps. Writes never send cached objects back with them either: status is applied from
 * objects built fresh.
 */
public final class CacheWithoutManagedFields<R extends HasMetadata> implements ItemStore<R> {
  private final BasicItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final String droppedAnnotations;

  public CacheWithoutManagedFields() {
    this(null);
  }

  /**
   * @param droppedAnnotations also drops the annotations whose key starts with this prefix (what a
   *     run pod carries for its own volume, which the operator never reads back); null keeps all
   */
  public CacheWithoutManagedFields(String droppedAnnotations) {
    this.droppedAnnotations = droppedAnnotations;
  }

  @Override
  public String getKey(R resource) {
    return store.getKey(resource);
  }

  @Override
  public R put(String key, R resource) {
    if (resource.getMetadata() != null) {
      resource.getMetadata().setManagedFields(null);
      if (droppedAnnotations != null && resource.getMetadata().getAnnotations() != null) {
        resource
            .getMetadata()
            .getAnnotations()
            .keySet()
            .removeIf(k -> k.startsWith(droppedAnnotations));
      }
    }
    return store.put(key, resource);
  }

  @Override
  public R remove(String key) {
    return store.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return store.keySet();
  }

  @Override
  public Stream<R> values() {
    return store.values();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public R get(String key) {
    return store.get(key);
  }
}
