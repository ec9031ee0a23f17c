package io.dbtoperator.plan;

import io.dbtoperator.git.ChangedFile;
import java.util.List;
import java.util.Optional;

/**
 * Everything the planner compares.
 *
 * @param fromCommit live commit; null for a first deploy
 * @param changedFiles files that differ between the commits, relative to the project directory
 * @param fromManifest manifest of the live commit, or null when none is available
 * @param toManifest manifest of the desired commit, or null when none is available
 * @param layout resource directories of the desired commit's dbt_project.yml
 * @param files reads a file of either commit, to check that each manifest matches its commit
 */
public record PlanInput(
    String fromCommit,
    String toCommit,
    List<ChangedFile> changedFiles,
    Manifest fromManifest,
    Manifest toManifest,
    OperatorConfig fromConfig,
    OperatorConfig toConfig,
    ProjectLayout layout,
    CommitFiles files) {

  /** A file of a commit, by its path relative to the project directory. */
  @FunctionalInterface
  public interface CommitFiles {
    Optional<byte[]> read(String commit, String path);
  }
}
