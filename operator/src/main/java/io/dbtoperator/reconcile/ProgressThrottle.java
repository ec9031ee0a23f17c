package io.dbtoperator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbtoperator.api.DbtSchemaStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Run progress (model counts, the current node) changes with every dbt log line; a schema's status
 * takes it at most once per interval, so that many builds don't flood the API server. Any other
 * change (a new phase, a live commit, a failure) is written at once.
 */
final class ProgressThrottle {
  static final Duration INTERVAL = Duration.ofSeconds(5);

  private final Map<String, Instant> lastProgressWrite = new ConcurrentHashMap<>();

  /**
   * @param schemaKey the DbtSchema's namespace and name
   * @return whether the new status should be written now
   */
  boolean shouldWrite(
      String schemaKey, DbtSchemaStatus previous, DbtSchemaStatus next, Instant now) {
    if (previous == null || !onlyMessagesDiffer(previous, next)) {
      lastProgressWrite.remove(schemaKey);
      return true;
    }
    Instant last = lastProgressWrite.get(schemaKey);
    if (last != null && now.isBefore(last.plus(INTERVAL))) {
      return false;
    }
    lastProgressWrite.put(schemaKey, now);
    return true;
  }

  static boolean onlyMessagesDiffer(DbtSchemaStatus previous, DbtSchemaStatus next) {
    return withoutMessages(previous).equals(withoutMessages(next));
  }

  private static JsonNode withoutMessages(DbtSchemaStatus status) {
    ObjectNode tree = Serialization.jsonMapper().valueToTree(status);
    tree.path("conditions").forEach(c -> ((ObjectNode) c).remove("message"));
    return tree;
  }
}
