package io.dbtoperator.git;

import java.util.List;
import java.util.Optional;

/** Read access to the versions of a dbt project kept in a source repository. */
public interface SourceRepository extends AutoCloseable {

  /** The full commit id a revision (sha, branch, tag, HEAD~1...) names. */
  String resolve(String revision);

  /**
   * The files that differ between two commits, limited to the project directory; renames show as a
   * deletion and an addition.
   */
  List<ChangedFile> diff(String fromCommit, String toCommit, String projectDir);

  /** A file's bytes at a commit, by its path relative to the project directory. */
  Optional<byte[]> read(String commit, String projectDir, String path);

  /**
   * Writes the files of the project directory at a commit into {@code target}, which must be empty
   * or absent. Symbolic links and submodules are skipped.
   */
  void export(String commit, String projectDir, java.nio.file.Path target);

  @Override
  void close();
}
