package io.dbtoperator.run;

import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.PlanException;
import io.dbtoperator.plan.ProjectLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A private checkout of one commit of the project, ready for dbt: files exported from git, packages
 * installed, and the commit's manifest parsed without any staging redirect.
 *
 * @param root directory of this workspace; the project is in {@code root/project}
 * @param profileName the profile dbt_project.yml names
 */
public record Workspace(
    Path root,
    String commit,
    ProjectLayout layout,
    String profileName,
    Manifest manifest,
    Path manifestFile) {
  /** Written once dbt parse succeeded, so that a later process reuses the workspace as it is. */
  private static final String PREPARED = "prepared";

  private static final String MANIFEST = "parse/target/manifest.json";

  public Path projectDir() {
    return root.resolve("project");
  }

  /**
   * Exports {@code commit} into {@code root}, runs {@code dbt deps} when the project has packages
   * and {@code dbt parse}, partially from the previous parse's state when the store has one that
   * fits, and stores this parse's state for the next.
   *
   * @param partialParse where parse state is kept; null: parse in full, keep none
   * @param output receives dbt's output lines, for the log
   */
  public static Workspace prepare(
      SourceRepository repository,
      String projectSubdir,
      String commit,
      Path root,
      WarehouseTarget target,
      DbtExecutor dbt,
      PartialParse partialParse,
      Consumer<String> output) {
    Path project = root.resolve("project");
    Path prepared = root.resolve(PREPARED);
    if (Files.isRegularFile(prepared) && Files.isRegularFile(root.resolve(MANIFEST))) {
      byte[] projectYml = read(project.resolve("dbt_project.yml"));
      return new Workspace(
          root,
          commit,
          ProjectLayout.parse(projectYml, "dbt_project.yml"),
          DbtProjectFile.profileName(projectYml),
          ManifestReader.read(root.resolve(MANIFEST)),
          root.resolve(MANIFEST));
    }
    Path dbtProject = export(repository, projectSubdir, commit, root);
    byte[] projectYml = read(dbtProject);
    ProjectLayout layout = ProjectLayout.parse(projectYml, "dbt_project.yml");
    String profileName = DbtProjectFile.profileName(projectYml);
    Path profiles = root.resolve("profiles");
    DbtProfile profile = target.profile(profileName, 1, null);
    profile.write(profiles);
    Workspace workspace =
        new Workspace(root, commit, layout, profileName, null, root.resolve(MANIFEST));
    if (Files.exists(project.resolve("packages.yml"))
        || Files.exists(project.resolve("dependencies.yml"))) {
      workspace.runOrFail(dbt, target, List.of("deps"), "parse", false, output);
    }
    Path parseTarget = workspace.targetPath("parse");
    Optional<String> parseKey =
        partialParse == null
            ? Optional.empty()
            : dbt.version().map(version -> PartialParse.key(version, profile.toYaml(), projectYml));
    parseKey.ifPresent(key -> partialParse.restore(key, parseTarget));
    workspace.runOrFail(dbt, target, List.of("parse"), "parse", parseKey.isPresent(), output);
    parseKey.ifPresent(key -> partialParse.store(key, parseTarget));
    Manifest manifest = ManifestReader.read(workspace.manifestFile);
    write(prepared, commit);
    return new Workspace(root, commit, layout, profileName, manifest, workspace.manifestFile);
  }

  /**
   * Exports {@code commit} into {@code root} and takes its manifest from elsewhere (the artifact
   * store, where a parse pod put it), so that no local dbt is needed.
   */
  public static Workspace adopt(
      SourceRepository repository,
      String projectSubdir,
      String commit,
      Path root,
      java.io.InputStream manifest) {
    Path dbtProject = export(repository, projectSubdir, commit, root);
    Path manifestFile = root.resolve(MANIFEST);
    try {
      Files.createDirectories(manifestFile.getParent());
      Files.copy(manifest, manifestFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + manifestFile, e);
    }
    byte[] projectYml = read(dbtProject);
    Workspace workspace =
        new Workspace(
            root,
            commit,
            ProjectLayout.parse(projectYml, "dbt_project.yml"),
            DbtProjectFile.profileName(projectYml),
            ManifestReader.read(manifestFile),
            manifestFile);
    write(root.resolve(PREPARED), commit);
    return workspace;
  }

  /**
   * Exports the commit's project files afresh into {@code root/project}.
   *
   * @return its dbt_project.yml
   */
  private static Path export(
      SourceRepository repository, String projectSubdir, String commit, Path root) {
    Path project = root.resolve("project");
    deleteRecursively(root.resolve(PREPARED));
    deleteRecursively(project);
    repository.export(commit, projectSubdir, project);
    Path dbtProject = project.resolve("dbt_project.yml");
    if (!Files.isRegularFile(dbtProject)) {
      throw new PlanException(
          "dbt_project.yml not found at "
              + commit.substring(0, 8)
              + " in \""
              + (projectSubdir == null ? "." : projectSubdir)
              + "\": check the project directory");
    }
    return dbtProject;
  }

  /** Whether a workspace of the commit is prepared under {@code root}, ready to reuse. */
  public static boolean isPrepared(Path root) {
    return Files.isRegularFile(root.resolve(PREPARED))
        && Files.isRegularFile(root.resolve(MANIFEST));
  }

  /**
   * A dbt command in this workspace: the given arguments plus the profile, a target and log
   * directory of their own under {@code root/<runDir>}, JSON logs, and no partial parsing (the
   * staging redirect changes between builds).
   */
  public DbtCommand command(
      WarehouseTarget target, DbtProfile profile, List<String> arguments, String runDir) {
    return command(profile, arguments, runDir, false);
  }

  private DbtCommand command(
      DbtProfile profile, List<String> arguments, String runDir, boolean partialParse) {
    Path dir = root.resolve(runDir);
    Path profiles = profile.write(dir.resolve("profiles"));
    List<String> args =
        dbtArguments(
            arguments,
            projectDir().toString(),
            profiles.getParent().toString(),
            profile.targetName(),
            dir.toString(),
            partialParse);
    return new DbtCommand(args, profile.secretEnv(), projectDir());
  }

  /**
   * The full argument list of a dbt command: JSON logs, the profile, and the run's own target and
   * log directories under {@code runDir}. Shared by local runs and build pods, which differ only in
   * their paths.
   *
   * @param partialParse whether dbt may read and write its partial-parse state: only for the parse
   *     of a commit; a build's staging redirect changes between builds
   */
  public static List<String> dbtArguments(
      List<String> arguments,
      String projectDir,
      String profilesDir,
      String target,
      String runDir,
      boolean partialParse) {
    List<String> args = new ArrayList<>(List.of("--log-format", "json", "--no-use-colors"));
    args.addAll(arguments);
    args.addAll(
        List.of(
            "--project-dir",
            projectDir,
            "--profiles-dir",
            profilesDir,
            "--target",
            target,
            "--target-path",
            runDir + "/target",
            "--log-path",
            runDir + "/logs",
            partialParse ? "--partial-parse" : "--no-partial-parse"));
    return args;
  }

  public Path targetPath(String runDir) {
    return root.resolve(runDir).resolve("target");
  }

  private void runOrFail(
      DbtExecutor dbt,
      WarehouseTarget target,
      List<String> arguments,
      String runDir,
      boolean partialParse,
      Consumer<String> output) {
    DbtProgress progress = new DbtProgress();
    DbtCommand command =
        command(target.profile(profileName, 1, null), arguments, runDir, partialParse);
    int exit =
        dbt.run(
            command,
            line -> {
              progress.accept(line);
              output.accept(line);
            });
    if (exit != 0) {
      throw new PlanException(
          "dbt "
              + arguments.get(0)
              + " failed at "
              + commit.substring(0, 8)
              + " (exit "
              + exit
              + ")"
              + ": "
              + progress.describeFailure());
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
