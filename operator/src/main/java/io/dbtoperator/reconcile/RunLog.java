package io.dbtoperator.reconcile;

import io.dbtoperator.run.RunListener;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The operator's log of runs: a line for each notice and when a run ends, with the schema and the
 * run in the MDC (the pass puts the namespace and the project there), so that JSON logs can be
 * filtered by them. Events are logged as they are recorded (Events), RunStarted among them.
 */
final class RunLog implements RunListener {
  static final Logger LOG = LoggerFactory.getLogger("io.dbtoperator.runs");
  static final String NAMESPACE = "namespace";
  static final String PROJECT = "project";
  static final String SCHEMA = "schema";
  static final String RUN = "run";

  @Override
  public void notice(String schema, String text) {
    try (var ignored = context(schema, null)) {
      LOG.info("{}: {}", schema.isEmpty() ? "project" : schema, text);
    }
  }

  @Override
  public void ended(RunRecord run) {
    try (var ignored = context(run.schema(), run.id())) {
      String line = "{}: run {} ended {}: {}";
      if (run.status() == RunStatus.SUCCESSFUL) {
        LOG.info(line, run.schema(), run.id(), run.status(), run.message());
      } else {
        LOG.warn(line, run.schema(), run.id(), run.status(), run.message());
      }
    }
  }

  /** MDC entries, removed on close. */
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Puts the schema and run into the MDC until closed; a null or empty value is left out. */
  static Scope context(String schema, String runId) {
    MDC.MDCCloseable schemaEntry =
        schema == null || schema.isEmpty() ? null : MDC.putCloseable(SCHEMA, schema);
    MDC.MDCCloseable runEntry = runId == null ? null : MDC.putCloseable(RUN, runId);
    return () -> {
      if (runEntry != null) {
        runEntry.close();
      }
      if (schemaEntry != null) {
        schemaEntry.close();
      }
    };
  }
}
