package io.dbtoperator.run;

import java.util.function.Consumer;

/**
 * Runs the dbt commands of a schema run: as local processes for the CLI, or in a pod for the
 * operator. A call never waits on a long build when the executor can run it in the background: it
 * starts the build if it has not started, and reports where it is, so that the caller can return
 * and come back.
 */
public interface BuildExecutor {

  /**
   * @param output receives every line dbt wrote, once per line, by the call that finishes the build
   */
  BuildStatus advance(BuildRequest request, Consumer<String> output);

  /**
   * Whether the build itself stores the run's files (dbt.log, run_results.json, manifest.json) in
   * the artifact store, as a build pod's artifacts sidecar does. The run then keeps those copies
   * and stores its own only for the files the build did not.
   */
  default boolean storesRunFiles() {
    return false;
  }
}
