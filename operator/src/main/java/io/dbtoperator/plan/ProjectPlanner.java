package io.dbtoperator.plan;

import io.dbtoperator.git.ChangedFile;
import io.dbtoperator.git.SourceRepository;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Plans a project held in a repository: resolves the revisions, reads each commit's dbt_project.yml
 * and dbt-operator.yml, diffs the commits and hands everything to the planner.
 */
public final class ProjectPlanner {
  private final SourceRepository repository;
  private final String projectDir;

  public ProjectPlanner(SourceRepository repository, String projectDir) {
    this.repository = repository;
    this.projectDir = projectDir == null ? "" : projectDir;
  }

  /**
   * @param fromRevision live revision, or null for a first deploy
   * @param configOverride settings to use for both commits instead of their dbt-operator.yml, or
   *     null
   */
  public Plan plan(
      String fromRevision,
      String toRevision,
      Manifest fromManifest,
      Manifest toManifest,
      OperatorConfig configOverride) {
    return plan(fromRevision, toRevision, () -> fromManifest, () -> toManifest, configOverride);
  }

  /**
   * As {@link #plan(String, String, Manifest, Manifest, OperatorConfig)}, asking for the manifests
   * only once the commits are resolved, read and diffed: a caller that parses them in the
   * background overlaps the parse with the repository's work.
   */
  public Plan plan(
      String fromRevision,
      String toRevision,
      Supplier<Manifest> fromManifest,
      Supplier<Manifest> toManifest,
      OperatorConfig configOverride) {
    String to = repository.resolve(toRevision);
    String from = fromRevision == null ? null : repository.resolve(fromRevision);
    ProjectLayout layout = layout(to);
    if (from != null) {
      layout(from);
    }
    List<ChangedFile> changed = from == null ? List.of() : repository.diff(from, to, projectDir);
    OperatorConfig toConfig = configOverride != null ? configOverride : config(to);
    OperatorConfig fromConfig = configOverride != null || from == null ? toConfig : config(from);
    return new ChangePlanner()
        .plan(
            new PlanInput(
                from,
                to,
                changed,
                fromManifest.get(),
                toManifest.get(),
                fromConfig,
                toConfig,
                layout,
                (commit, path) -> repository.read(commit, projectDir, path)));
  }

  /** The settings in dbt-operator.yml at a commit, or none when the file is absent. */
  public OperatorConfig config(String commit) {
    Optional<byte[]> file = repository.read(commit, projectDir, ChangePlanner.CONFIG_FILE);
    return file.map(
            bytes ->
                OperatorConfigFile.parse(
                    new String(bytes, StandardCharsets.UTF_8),
                    location(ChangePlanner.CONFIG_FILE) + " at " + ChangePlanner.shortSha(commit)))
        .orElse(OperatorConfig.EMPTY);
  }

  private ProjectLayout layout(String commit) {
    byte[] dbtProject =
        repository
            .read(commit, projectDir, "dbt_project.yml")
            .orElseThrow(
                () ->
                    new PlanException(
                        location("dbt_project.yml")
                            + " not found at "
                            + ChangePlanner.shortSha(commit)
                            + ": check --project-dir (spec.git.projectDir)"));
    return ProjectLayout.parse(
        dbtProject, location("dbt_project.yml") + " at " + ChangePlanner.shortSha(commit));
  }

  private String location(String file) {
    return projectDir.isEmpty() || projectDir.equals(".") ? file : projectDir + "/" + file;
  }
}
