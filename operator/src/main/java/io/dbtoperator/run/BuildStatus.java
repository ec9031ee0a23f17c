package io.dbtoperator.run;

/** Where a run's build is. */
public sealed interface BuildStatus {

  /** Still going; {@code detail} says where, e.g. the pod's phase. */
  record Running(String detail) implements BuildStatus {}

  /**
   * Over. {@code command} is the first word of the command that failed (e.g. "build"), or of the
   * last one when all succeeded.
   */
  record Finished(int exitCode, String command) implements BuildStatus {}
}
