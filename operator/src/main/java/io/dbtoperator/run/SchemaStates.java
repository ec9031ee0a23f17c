package io.dbtoperator.run;

import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.state.StateStoreException;
import java.util.function.UnaryOperator;

/** Changes to a schema's recorded state, shared by runs and rollbacks. */
final class SchemaStates {
  private SchemaStates() {}

  /** Compare-and-set of the schema's state, re-read and retried when another writer won. */
  static void update(
      StateStore store, String project, String schema, UnaryOperator<SchemaState> change) {
    for (int attempt = 0; attempt < 5; attempt++) {
      SchemaState current =
          store.schema(project, schema).orElse(SchemaState.absent(project, schema));
      if (store.compareAndSet(current.version(), change.apply(current))) {
        return;
      }
    }
    throw new StateStoreException(
        "state of " + schema + " kept changing while it was being recorded");
  }
}
