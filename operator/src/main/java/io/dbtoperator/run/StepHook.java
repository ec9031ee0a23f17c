package io.dbtoperator.run;

/**
 * Called after each step's work is done and before the state store records it: the moment where a
 * crash is hardest to recover from. Tests use it to stop a run there.
 */
@FunctionalInterface
public interface StepHook {
  StepHook NONE = (schema, step) -> {};

  void afterStep(String schema, RunStep step);
}
