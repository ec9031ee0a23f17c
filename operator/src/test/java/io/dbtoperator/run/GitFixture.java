package io.dbtoperator.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/** A git working copy in a temporary directory that tests commit example projects into. */
public final class GitFixture {
  private final Path dir;

  public GitFixture(Path dir) {
    this.dir = dir;
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      // initialised
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** Copies every file under {@code source} over the working copy. */
  public GitFixture copy(Path source) {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path dest = dir.resolve(source.relativize(file).toString());
        Files.createDirectories(dest.getParent());
        Files.copy(file, dest, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public GitFixture write(Map<String, String> files) {
    try {
      for (var entry : files.entrySet()) {
        Path dest = dir.resolve(entry.getKey());
        Files.createDirectories(dest.getParent());
        Files.writeString(dest, entry.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public GitFixture delete(String path) {
    try {
      Files.delete(dir.resolve(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Commits everything and returns the commit id. */
  public String commit(String message) {
    try (Git git = Git.open(dir.toFile())) {
      git.add().addFilepattern(".").call();
      git.add().addFilepattern(".").setUpdate(true).call();
      PersonIdent who = new PersonIdent("test", "test@example.invalid");
      return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call().getName();
    } catch (IOException | GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }
}
