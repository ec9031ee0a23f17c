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
}
