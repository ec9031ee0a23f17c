package io.dbtoperator.git;

import io.dbtoperator.plan.PlanException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.eclipse.jgit.util.FS;

/** A local git repository, bare or with a working tree, read through JGit. */
public final class JGitRepository implements SourceRepository {
  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{7,40}");

  static {
    // JGit learns where git's system-wide config lives by running `git --version` and `git config
    // --system --show-origin`: two processes, about a tenth of a cold CLI plan (docs/benchmarks.md,
    // "Third round"). Git's own rule gives the same file without them.
    FS.DETECTED.setGitSystemConfig(systemConfig(System.getenv()));
  }

  private final Path location;
  private final Repository repository;

  private JGitRepository(Path location, Repository repository) {
    this.location = location;
    this.repository = repository;
  }

  /**
   * Git's system-wide config: {@code $GIT_CONFIG_SYSTEM} when set, otherwise {@code
   * /etc/gitconfig}, where the git of every Linux distribution keeps it. JGit itself honours {@code
   * GIT_CONFIG_NOSYSTEM}.
   */
  static File systemConfig(Map<String, String> environment) {
    String configured = environment.get("GIT_CONFIG_SYSTEM");
    return new File(configured == null || configured.isEmpty() ? "/etc/gitconfig" : configured);
  }

  /** Opens a working copy (the folder holding .git) or a bare repository. */
  public static JGitRepository open(Path location) {
    if (!Files.isDirectory(location)) {
      throw new PlanException("repository " + location + ": no such directory");
    }
    File gitDir = RepositoryCache.FileKey.resolve(location.toFile(), FS.DETECTED);
    if (gitDir == null) {
      throw new PlanException("repository " + location + ": not a git repository");
    }
    try {
      Repository repository =
          new FileRepositoryBuilder().setGitDir(gitDir).setMustExist(true).build();
      return new JGitRepository(location, repository);
    } catch (IOException e) {
      throw new PlanException("repository " + location + ": cannot open: " + e.getMessage(), e);
    }
  }

  @Override
  public String resolve(String revision) {
    ObjectId id;
    try {
      id = repository.resolve(revision + "^{commit}");
    } catch (MissingObjectException e) {
      throw new PlanException("repository " + location + ": commit " + revision + " not found", e);
    } catch (IOException e) {
      throw new PlanException(
          "repository " + location + ": cannot resolve \"" + revision + "\": " + e.getMessage(), e);
    }
    if (id == null) {
      if (SHA.matcher(revision).matches()) {
        throw new PlanException("repository " + location + ": commit " + revision + " not found");
      }
      throw new PlanException(
          "repository "
              + location
              + ": unknown revision \""
              + revision
              + "\" (no such branch, tag or commit)");
    }
    try (RevWalk walk = new RevWalk(repository)) {
      return walk.parseCommit(id).name();
    } catch (MissingObjectException e) {
      throw new PlanException("repository " + location + ": commit " + revision + " not found", e);
    } catch (IOException e) {
      throw new PlanException(
          "repository " + location + ": cannot read commit " + revision + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<ChangedFile> diff(String fromCommit, String toCommit, String projectDir) {
    String prefix = normalizedDir(projectDir);
    try (RevWalk walk = new RevWalk(repository);
        ObjectReader reader = repository.newObjectReader();
        TreeWalk treeWalk = new TreeWalk(reader)) {
      RevTree fromTree = walk.parseCommit(ObjectId.fromString(fromCommit)).getTree();
      RevTree toTree = walk.parseCommit(ObjectId.fromString(toCommit)).getTree();
      CanonicalTreeParser fromParser = new CanonicalTreeParser(null, reader, fromTree);
      CanonicalTreeParser toParser = new CanonicalTreeParser(null, reader, toTree);
      treeWalk.addTree(fromParser);
      treeWalk.addTree(toParser);
      treeWalk.setRecursive(true);
      treeWalk.setFilter(
          prefix.isEmpty() ? TreeFilter.ANY_DIFF : andDiff(PathFilter.create(prefix)));
      List<ChangedFile> changes = new ArrayList<>();
      for (DiffEntry entry : DiffEntry.scan(treeWalk)) {
        switch (entry.getChangeType()) {
          case ADD -> changes.add(relative(entry.getNewPath(), prefix, ChangedFile.Change.ADDED));
          case DELETE ->
              changes.add(relative(entry.getOldPath(), prefix, ChangedFile.Change.DELETED));
          case MODIFY ->
              changes.add(relative(entry.getNewPath(), prefix, ChangedFile.Change.MODIFIED));
          case RENAME, COPY -> {
            changes.add(relative(entry.getOldPath(), prefix, ChangedFile.Change.DELETED));
            changes.add(relative(entry.getNewPath(), prefix, ChangedFile.Change.ADDED));
          }
        }
      }
      return changes;
    } catch (IOException e) {
      throw new PlanException(
          "repository "
              + location
              + ": cannot diff "
              + fromCommit
              + ".."
              + toCommit
              + ": "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public Optional<byte[]> read(String commit, String projectDir, String path) {
    String prefix = normalizedDir(projectDir);
    String fullPath = prefix.isEmpty() ? path : prefix + "/" + path;
    try (RevWalk walk = new RevWalk(repository)) {
      RevCommit revCommit = walk.parseCommit(ObjectId.fromString(commit));
      try (TreeWalk treeWalk = TreeWalk.forPath(repository, fullPath, revCommit.getTree())) {
        if (treeWalk == null) {
          return Optional.empty();
        }
        return Optional.of(repository.open(treeWalk.getObjectId(0), Constants.OBJ_BLOB).getBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "repository " + location + ": cannot read " + fullPath + " at " + commit, e);
    }
  }

  @Override
  public void export(String commit, String projectDir, Path target) {
    String prefix = normalizedDir(projectDir);
    try (RevWalk walk = new RevWalk(repository);
        TreeWalk treeWalk = new TreeWalk(repository)) {
      RevCommit revCommit = walk.parseCommit(ObjectId.fromString(commit));
      treeWalk.addTree(revCommit.getTree());
      treeWalk.setRecursive(true);
      if (!prefix.isEmpty()) {
        treeWalk.setFilter(PathFilter.create(prefix));
      }
      Files.createDirectories(target);
      while (treeWalk.next()) {
        if (!FileMode.REGULAR_FILE.equals(treeWalk.getFileMode(0))
            && !FileMode.EXECUTABLE_FILE.equals(treeWalk.getFileMode(0))) {
          continue;
        }
        String path = treeWalk.getPathString();
        String relativePath = prefix.isEmpty() ? path : path.substring(prefix.length() + 1);
        Path file = target.resolve(relativePath).normalize();
        if (!file.startsWith(target)) {
          continue;
        }
        Files.createDirectories(file.getParent());
        try (var out = Files.newOutputStream(file)) {
          repository.open(treeWalk.getObjectId(0), Constants.OBJ_BLOB).copyTo(out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "repository " + location + ": cannot export " + commit + " into " + target, e);
    }
  }

  @Override
  public void close() {
    repository.close();
  }

  private static TreeFilter andDiff(TreeFilter filter) {
    return AndTreeFilter.create(filter, TreeFilter.ANY_DIFF);
  }

  private static String normalizedDir(String projectDir) {
    if (projectDir == null) {
      return "";
    }
    String dir = projectDir.replace('\\', '/');
    while (dir.startsWith("./")) {
      dir = dir.substring(2);
    }
    while (dir.endsWith("/")) {
      dir = dir.substring(0, dir.length() - 1);
    }
    return dir.equals(".") ? "" : dir;
  }

  private static ChangedFile relative(String path, String prefix, ChangedFile.Change change) {
    return new ChangedFile(prefix.isEmpty() ? path : path.substring(prefix.length() + 1), change);
  }
}
