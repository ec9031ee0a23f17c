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

  public Path projectDir() {
    return root.resolve("project");
  }

  /**
   * Exports {@code commit} into {@code root}, runs {@code dbt deps} when the project has packages
   * and {@code dbt parse}.
   *
   * @param output receives dbt's output lines, for the log
   */
  public static Workspace prepare(
      SourceRepository repository,
      String projectSubdir,
      String commit,
      Path root,
      WarehouseTarget target,
      DbtExecutor dbt,
      Consumer<String> output) {
    Path project = root.resolve("project");
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
    byte[] projectYml = read(dbtProject);
    ProjectLayout layout = ProjectLayout.parse(projectYml, "dbt_project.yml");
    String profileName = DbtProjectFile.profileName(projectYml);
    Path profiles = root.resolve("profiles");
    target.profile(profileName, 1, null).write(profiles);
    Workspace workspace =
        new Workspace(
            root, commit, layout, profileName, null, root.resolve("parse/target/manifest.json"));
    if (Files.exists(project.resolve("packages.yml"))
        || Files.exists(project.resolve("dependencies.yml"))) {
      workspace.runOrFail(dbt, target, List.of("deps"), "parse", output);
    }
    workspace.runOrFail(dbt, target, List.of("parse"), "parse", output);
    Manifest manifest = ManifestReader.read(workspace.manifestFile);
    return new Workspace(root, commit, layout, profileName, manifest, workspace.manifestFile);
  }

  /**
   * A dbt command in this workspace: the given arguments plus the profile, a target and log
   * directory of their own under {@code root/<runDir>}, JSON logs, and no partial parsing (the
   * staging redirect changes between builds).
   */
  public DbtCommand command(
      WarehouseTarget target, DbtProfile profile, List<String> arguments, String runDir) {
    Path dir = root.resolve(runDir);
    Path profiles = profile.write(dir.resolve("profiles"));
    List<String> args = new ArrayList<>();
    args.add("--log-format");
    args.add("json");
    args.add("--no-use-colors");
    args.addAll(arguments);
    args.addAll(
        List.of(
            "--project-dir",
            projectDir().toString(),
            "--profiles-dir",
            profiles.getParent().toString(),
            "--target",
            profile.targetName(),
            "--target-path",
            dir.resolve("target").toString(),
            "--log-path",
            dir.resolve("logs").toString(),
            "--no-partial-parse"));
    return new DbtCommand(args, profile.secretEnv(), projectDir());
  }

  public Path targetPath(String runDir) {
    return root.resolve(runDir).resolve("target");
  }

  private void runOrFail(
      DbtExecutor dbt,
      WarehouseTarget target,
      List<String> arguments,
      String runDir,
      Consumer<String> output) {
    DbtProgress progress = new DbtProgress();
    DbtCommand command = command(target, target.profile(profileName, 1, null), arguments, runDir);
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
