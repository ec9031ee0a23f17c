package io.dbtoperator.run;

/** Receives the progress of a plan as it is carried out, e.g. to print it or to patch a status. */
public interface RunListener {

  RunListener NONE = new RunListener() {};

  /** The plan of a deploy, before any of it is carried out. */
  default void planned(io.dbtoperator.plan.Plan plan) {}

  default void started(String schema, String runId, String what) {}

  /** Called whenever a node of the schema's dbt run changes status. */
  default void progress(String schema, DbtProgress progress) {}

  /** Something the run repaired or could not do, that does not fail it. */
  default void notice(String schema, String text) {}

  default void finished(SchemaOutcome outcome) {}

  /**
   * A run ended: it went live, failed, was superseded or rolled back, as its record now says.
   * Unlike {@link #finished}, which passes repeat for a held or blocked step, this is called once
   * per run, when the store records its end, so it can be counted.
   */
  default void ended(io.dbtoperator.state.RunRecord run) {}

  /** This listener, then {@code next}, for every call. */
  default RunListener and(RunListener next) {
    RunListener first = this;
    return new RunListener() {
      @Override
      public void planned(io.dbtoperator.plan.Plan plan) {
        first.planned(plan);
        next.planned(plan);
      }

      @Override
      public void started(String schema, String runId, String what) {
        first.started(schema, runId, what);
        next.started(schema, runId, what);
      }

      @Override
      public void progress(String schema, DbtProgress progress) {
        first.progress(schema, progress);
        next.progress(schema, progress);
      }

      @Override
      public void notice(String schema, String text) {
        first.notice(schema, text);
        next.notice(schema, text);
      }

      @Override
      public void finished(SchemaOutcome outcome) {
        first.finished(outcome);
        next.finished(outcome);
      }

      @Override
      public void ended(io.dbtoperator.state.RunRecord run) {
        first.ended(run);
        next.ended(run);
      }
    };
  }
}
