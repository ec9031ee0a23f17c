package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.api.DbtSchemaStatus;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The requests people make by annotating DbtSchemas (refresh, full refresh, rollback), each an
 * opaque token, and the tokens handled so far, which status echoes back as Flux does with
 * lastHandledReconcileAt.
 */
final class ManualRequests {

  /** The tokens of one schema that status shows as handled. */
  record Handled(String refresh, String fullRefresh, String rollback) {
    static final Handled NONE = new Handled(null, null, null);
  }

  private final Map<String, DbtSchema> schemas;
  private final Map<String, Handled> handled = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

  ManualRequests(Map<String, DbtSchema> schemas) {
    this.schemas = schemas;
    schemas.forEach(
        (name, schema) -> {
          DbtSchemaStatus status = schema.getStatus();
          handled.put(
              name,
              status == null
                  ? Handled.NONE
                  : new Handled(
                      status.lastHandledRefresh(),
                      status.lastHandledFullRefresh(),
                      status.lastHandledRollback()));
        });
  }

  /** Schemas whose refresh was requested and not handled: true for a full refresh. */
  Map<String, Boolean> refreshes() {
    Map<String, Boolean> requested = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    schemas.forEach(
        (name, schema) -> {
          if (pending(schema, Labels.SCHEMA_FULL_REFRESH, handled.get(name).fullRefresh())) {
            requested.put(name, true);
          } else if (pending(schema, Labels.SCHEMA_REFRESH, handled.get(name).refresh())) {
            requested.put(name, false);
          }
        });
    return requested;
  }

  /** Schemas whose rollback was requested and not handled. */
  java.util.List<String> rollbacks() {
    return schemas.entrySet().stream()
        .filter(
            e -> pending(e.getValue(), Labels.SCHEMA_ROLLBACK, handled.get(e.getKey()).rollback()))
        .map(Map.Entry::getKey)
        .toList();
  }

  /** Marks the schema's pending refresh (or full refresh) as handled. */
  void refreshed(String schema, boolean full) {
    DbtSchema resource = schemas.get(schema);
    Handled current = handled.get(schema);
    handled.put(
        schema,
        full
            ? new Handled(
                current.refresh(), token(resource, Labels.SCHEMA_FULL_REFRESH), current.rollback())
            : new Handled(
                token(resource, Labels.SCHEMA_REFRESH), current.fullRefresh(), current.rollback()));
  }

  /** The DbtSchema of a schema, as the pass got it. */
  DbtSchema resource(String schema) {
    return schemas.get(schema);
  }

  /**
   * Whether {@code fresh}, the schema as the API server has it now, shows its pending rollback as
   * handled. A pass may start before the cache holds the status the last pass wrote, and a rollback
   * made twice undoes itself (the replaced version is the previous one).
   */
  boolean rollbackHandledIn(String schema, DbtSchema fresh) {
    return fresh != null
        && fresh.getStatus() != null
        && Objects.equals(
            token(schemas.get(schema), Labels.SCHEMA_ROLLBACK),
            fresh.getStatus().lastHandledRollback());
  }

  void rolledBack(String schema) {
    Handled current = handled.get(schema);
    handled.put(
        schema,
        new Handled(
            current.refresh(),
            current.fullRefresh(),
            token(schemas.get(schema), Labels.SCHEMA_ROLLBACK)));
  }

  Handled handled(String schema) {
    return handled.getOrDefault(schema, Handled.NONE);
  }

  private static boolean pending(DbtSchema schema, String annotation, String handledToken) {
    String token = token(schema, annotation);
    return token != null && !Objects.equals(token, handledToken);
  }

  private static String token(DbtSchema schema, String annotation) {
    Map<String, String> annotations = schema.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(annotation);
  }
}
