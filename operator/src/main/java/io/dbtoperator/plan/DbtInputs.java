package io.dbtoperator.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which files of a dbt project {@code dbt parse} reads, from its dbt_project.yml: the files at the
 * root that configure the project and its packages, and everything under the resource, macro, docs
 * and installed-package paths. A change to any other file (a README, CI config, the operator's own
 * dbt-operator.yml) leaves the manifest as it was.
 */
public final class DbtInputs {
  private static final Set<String> ROOT_FILES =
      Set.of(
          "dbt_project.yml",
          "packages.yml",
          "package-lock.yml",
          "dependencies.yml",
          "selectors.yml",
          "profiles.yml",
          ".dbtignore");

  private final List<String> directories;

  private DbtInputs(List<String> directories) {
    this.directories = directories;
  }

  /**
   * @param source names the file in errors
   * @throws PlanException when the file is not a YAML mapping or a *-paths key is not a list
   */
  public static DbtInputs parse(byte[] dbtProjectYml, String source) {
    ProjectLayout layout = ProjectLayout.parse(dbtProjectYml, source);
    List<String> directories = new ArrayList<>();
    directories.addAll(layout.modelPaths());
    directories.addAll(layout.seedPaths());
    directories.addAll(layout.snapshotPaths());
    directories.addAll(layout.macroPaths());
    directories.addAll(layout.testPaths());
    directories.addAll(layout.analysisPaths());
    JsonNode root = ProjectLayout.yaml(dbtProjectYml, source);
    JsonNode docs = root.get("docs-paths");
    if (docs != null && docs.isArray()) {
      docs.forEach(dir -> directories.add(ProjectLayout.trimSlashes(dir.asText())));
    }
    // Packages installed into the repository itself (dbt_packages/, or dbt_modules/ before 1.0).
    JsonNode installed =
        root.has("packages-install-path")
            ? root.get("packages-install-path")
            : root.get("modules-path");
    directories.add(
        installed == null || installed.isNull()
            ? "dbt_packages"
            : ProjectLayout.trimSlashes(installed.asText()));
    directories.add("dbt_modules");
    return new DbtInputs(List.copyOf(directories));
  }

  /** Whether dbt parse reads the file at {@code path}, relative to the project directory. */
  public boolean reads(String path) {
    String file = ProjectLayout.trimSlashes(path);
    if (ROOT_FILES.contains(file)) {
      return true;
    }
    return ProjectLayout.under(file, directories);
  }
}
