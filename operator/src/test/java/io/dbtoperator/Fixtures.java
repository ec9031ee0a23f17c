package io.dbtoperator;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared manifest fixtures, real manifests of public dbt projects. */
public final class Fixtures {
  public static final String DIRECTORY_PROPERTY = "dbt.operator.fixtures";
  private static final Path RELATIVE_TO_PARENT_OF_REPO = Path.of("shared", "fixtures", "manifests");

  private Fixtures() {}

  /**
   * The fixtures directory: the system property {@value #DIRECTORY_PROPERTY} when set, else the
   * first {@code shared/fixtures/manifests} found walking up from the working directory (it sits
   * next to the repository root).
   */
  public static Path manifestsDir() {
    String configured = System.getProperty(DIRECTORY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path dir = Path.of(configured);
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException(
            "system property " + DIRECTORY_PROPERTY + " names " + dir + ", which is no directory");
      }
      return dir;
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(RELATIVE_TO_PARENT_OF_REPO);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "manifest fixtures not found: no "
            + RELATIVE_TO_PARENT_OF_REPO
            + " in "
            + start
            + " or any parent; set -D"
            + DIRECTORY_PROPERTY
            + "=<dir>");
  }

  /** A fixture manifest by file name, e.g. "jaffle-shop-v11.json". */
  public static Path manifest(String fileName) {
    Path file = manifestsDir().resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("manifest fixture " + file + " does not exist");
    }
    return file;
  }
}
