package io.dbtoperator.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Artifacts in a directory: the embedded default. Every file is written to a temporary file next to
 * its target, flushed to disk, then renamed over the target, so a reader or a crash sees the old
 * file or the new one, never a part of one.
 */
public final class LocalArtifactStore implements ArtifactStore {
  private static final String TEMP_PREFIX = ".tmp-";

  private final Path root;

  public LocalArtifactStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  @Override
  public String putRunFile(
      ProjectKey project, String schema, String runId, String fileName, Path file) {
    Path target = resolve(ArtifactKeys.runFile(project, schema, runId, fileName));
    write(file, target);
    return target.toUri().toString();
  }

  @Override
  public String runFileLocation(ProjectKey project, String schema, String runId, String fileName) {
    return resolve(ArtifactKeys.runFile(project, schema, runId, fileName)).toUri().toString();
  }

  @Override
  public Optional<InputStream> openRunFile(
      ProjectKey project, String schema, String runId, String fileName) {
    return open(resolve(ArtifactKeys.runFile(project, schema, runId, fileName)));
  }

  @Override
  public void putManifest(ProjectKey project, String commitSha, Path manifestJson) {
    write(manifestJson, resolve(ArtifactKeys.manifest(project, commitSha)));
  }

  @Override
  public Optional<InputStream> openManifest(ProjectKey project, String commitSha) {
    return open(resolve(ArtifactKeys.manifest(project, commitSha)));
  }

  @Override
  public List<String> manifestCommits(ProjectKey project) {
    Path dir = resolve(ArtifactKeys.manifestDir(project));
    List<String> commits = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String commit = ArtifactKeys.commitOfManifest(file.getFileName().toString());
        if (commit != null && Files.isRegularFile(file)) {
          commits.add(commit);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw failure("list manifests in " + dir, e);
    }
    return commits;
  }

  @Override
  public void retainOnlyManifest(ProjectKey project, String keepCommitSha) {
    for (String commit : ArtifactKeys.otherCommits(manifestCommits(project), keepCommitSha)) {
      delete(resolve(ArtifactKeys.manifest(project, commit)));
    }
  }

  @Override
  public void putPartialParse(ProjectKey project, String parseKey, Path msgpack) {
    Path target = resolve(ArtifactKeys.partialParse(project, parseKey));
    write(msgpack, target);
    for (Path older : regularFiles(resolve(ArtifactKeys.partialParseDir(project)))) {
      if (!older.equals(target)) {
        delete(older);
      }
    }
  }

  @Override
  public Optional<InputStream> openPartialParse(ProjectKey project, String parseKey) {
    return open(resolve(ArtifactKeys.partialParse(project, parseKey)));
  }

  @Override
  public void putDocs(ProjectKey project, Path docsDir) {
    Path target = resolve(ArtifactKeys.docsDir(project));
    Set<Path> written = new HashSet<>();
    ArtifactKeys.docsFiles(this, docsDir)
        .forEach(
            (relativePath, source) -> {
              Path destination = target.resolve(relativePath);
              write(source, destination);
              written.add(destination);
            });
    for (Path stale : regularFiles(target)) {
      if (!written.contains(stale)) {
        delete(stale);
      }
    }
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "local:" + root;
  }

  private Path resolve(String key) {
    return root.resolve(key);
  }

  private void write(Path source, Path target) {
    Path temp = null;
    try {
      Files.createDirectories(target.getParent());
      temp = Files.createTempFile(target.getParent(), TEMP_PREFIX + target.getFileName() + "-", "");
      copyAndSync(source, temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw failure("write " + target + " from " + source, e);
    }
  }

  // Flushed before the rename: otherwise a power loss could leave the renamed file empty.
  private static void copyAndSync(Path source, Path temp) throws IOException {
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      long position = 0;
      long copied;
      while ((copied = in.transferTo(position, Long.MAX_VALUE, out)) > 0) {
        position += copied;
      }
      out.force(true);
    }
  }

  private Optional<InputStream> open(Path file) {
    try {
      return Optional.of(Files.newInputStream(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("open " + file, e);
    }
  }

  private void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw failure("delete " + file, e);
    }
  }

  private List<Path> regularFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(file -> !file.getFileName().toString().startsWith(TEMP_PREFIX))
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw failure("list files in " + dir, e);
    }
  }

  private ArtifactStoreException failure(String operation, Exception cause) {
    return new ArtifactStoreException(
        "artifact store " + this + ": " + operation + " failed: " + cause, cause);
  }
}
