package io.dbtoperator.run;

import io.dbtoperator.git.ChangedFile;
import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.plan.DbtInputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A commit whose changes since the live commit touch no file dbt reads (docs, CI config, the
 * operator's dbt-operator.yml) has the live commit's manifest: its workspace is made from the
 * stored one, and {@code dbt parse}, which takes tens of seconds to minutes on large projects, is
 * not run. The deploy that takes the commit live stores the manifest under it, as after a parse.
 */
final class ManifestReuse {
  private ManifestReuse() {}

  static Optional<Workspace> fromLive(
      SourceRepository repository,
      String projectDir,
      ArtifactStore artifacts,
      ArtifactStore.ProjectKey key,
      Optional<String> liveCommit,
      String commit,
      Path root) {
    // The live commit itself qualifies (an empty diff): a refresh on a machine without its
    // workspace takes the stored manifest instead of parsing again.
    if (liveCommit.isEmpty()) {
      return Optional.empty();
    }
    String live = liveCommit.get();
    Optional<byte[]> dbtProject = repository.read(commit, projectDir, "dbt_project.yml");
    if (dbtProject.isEmpty()) {
      return Optional.empty();
    }
    DbtInputs inputs = DbtInputs.parse(dbtProject.get(), "dbt_project.yml at " + commit);
    for (ChangedFile file : repository.diff(live, commit, projectDir)) {
      if (inputs.reads(file.path())) {
        return Optional.empty();
      }
    }
    Optional<InputStream> stored = artifacts.openManifest(key, live);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in = stored.get()) {
      return Optional.of(Workspace.adopt(repository, projectDir, commit, root, in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stored manifest of " + live, e);
    }
  }
}
