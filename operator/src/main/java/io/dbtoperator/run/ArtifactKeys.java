package io.dbtoperator.run;

import io.dbtoperator.run.ArtifactStore.ProjectKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The layout of {@link ArtifactStore}, as '/'-separated keys relative to the store's root. */
final class ArtifactKeys {
  static final String MANIFEST_SUFFIX = ".json";
  static final String PARTIAL_PARSE_SUFFIX = ".msgpack";

  // One path segment: no separators, no "." or "..", so that no key can leave its project.
  private static final Pattern SEGMENT = Pattern.compile("^(?!\\.\\.?$)[A-Za-z0-9._$-]{1,255}$");

  private ArtifactKeys() {}

  static String project(ProjectKey project) {
    return segment("namespace", project.namespace()) + "/" + segment("project", project.project());
  }

  static String runFile(ProjectKey project, String schema, String runId, String fileName) {
    return project(project)
        + "/runs/"
        + segment("schema", schema)
        + "/"
        + segment("run id", runId)
        + "/"
        + segment("file name", fileName);
  }

  static String manifestDir(ProjectKey project) {
    return project(project) + "/manifest/";
  }

  static String manifest(ProjectKey project, String commitSha) {
    return manifestDir(project) + segment("commit sha", commitSha) + MANIFEST_SUFFIX;
  }

  static String partialParseDir(ProjectKey project) {
    return project(project) + "/partial-parse/";
  }

  static String partialParse(ProjectKey project, String parseKey) {
    return partialParseDir(project) + segment("partial-parse key", parseKey) + PARTIAL_PARSE_SUFFIX;
  }

  static String docsDir(ProjectKey project) {
    return project(project) + "/docs/";
  }

  /** The commit of a file name in the manifest folder, or null for anything else. */
  static String commitOfManifest(String fileName) {
    if (!fileName.endsWith(MANIFEST_SUFFIX) || fileName.startsWith(".")) {
      return null;
    }
    return fileName.substring(0, fileName.length() - MANIFEST_SUFFIX.length());
  }

  private static String segment(String what, String value) {
    if (value == null || !SEGMENT.matcher(value).matches()) {
      throw new ArtifactStoreException(
          what
              + " "
              + (value == null ? "null" : "\"" + value + "\"")
              + " cannot be part of an artifact path: use letters, digits, '.', '_', '$' and '-'");
    }
    return value;
  }

  /** The files of a docs directory by their '/'-separated path in it. */
  static SortedMap<String, Path> docsFiles(ArtifactStore store, Path docsDir) {
    if (!Files.isDirectory(docsDir)) {
      throw new ArtifactStoreException(
          "artifact store " + store + ": docs directory " + docsDir + " does not exist");
    }
    SortedMap<String, Path> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(docsDir)) {
      walk.filter(Files::isRegularFile)
          .forEach(file -> files.put(docsDir.relativize(file).toString().replace('\\', '/'), file));
    } catch (IOException | UncheckedIOException e) {
      throw new ArtifactStoreException(
          "artifact store " + store + ": cannot list docs directory " + docsDir + ": " + e, e);
    }
    return files;
  }

  /** The stored manifests' commits other than {@code keepCommitSha}. */
  static List<String> otherCommits(List<String> storedCommits, String keepCommitSha) {
    return storedCommits.stream().filter(commit -> !commit.equals(keepCommitSha)).toList();
  }
}
