package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.git.GitCredentials;
import io.dbtoperator.git.JGitRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.transport.RefSpec;

/**
 * A bare clone per project under the operator's work directory, fetched when the desired commit
 * must be found: the head of {@code spec.git.ref}, or a pinned commit not fetched yet.
 */
final class GitCache {
  private final Path root;

  GitCache(Path root) {
    this.root = root;
  }

  /**
   * Fetches as needed and opens the clone; the caller resolves revisions in it.
   *
   * @param secrets where spec.git.secretRef is read, for this call only ({@link GitAuth})
   */
  JGitRepository open(String namespace, String name, DbtProjectSpec.Git git, Secrets secrets) {
    Path dir = root.resolve(namespace).resolve(name + ".git");
    try (GitCredentials credentials = GitAuth.credentials(git, secrets)) {
      fetch(dir, git, credentials);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the git cache " + dir, e);
    }
    return JGitRepository.open(dir);
  }

  private static void fetch(Path dir, DbtProjectSpec.Git git, GitCredentials credentials)
      throws IOException {
    try {
      if (!Files.isDirectory(dir.resolve("objects"))) {
        Files.createDirectories(dir.getParent());
        configure(
                Git.cloneRepository().setURI(git.url()).setBare(true).setDirectory(dir.toFile()),
                credentials)
            .call()
            .close();
      } else if (git.commit() == null || !has(dir, git.commit())) {
        try (Git repo = Git.open(dir.toFile())) {
          configure(
                  repo.fetch()
                      .setRemote("origin")
                      .setRefSpecs(
                          new RefSpec("+refs/heads/*:refs/heads/*"),
                          new RefSpec("+refs/tags/*:refs/tags/*"))
                      .setRemoveDeletedRefs(true),
                  credentials)
              .call();
        }
      }
    } catch (GitAPIException e) {
      if (credentials.hostKeyRefusal().isPresent()) {
        throw new SpecProblem("HostKeyNotTrusted", "spec.git.url: " + credentials.explain(e));
      }
      throw new SpecProblem(
          "GitUnreachable",
          "spec.git.url: cannot fetch " + git.url() + ": " + credentials.explain(e));
    }
  }

  private static boolean has(Path dir, String commit) throws IOException {
    try (Git repo = Git.open(dir.toFile())) {
      return repo.getRepository().resolve(commit + "^{commit}") != null;
    } catch (org.eclipse.jgit.errors.MissingObjectException e) {
      // A full sha that the clone has never seen: it must be fetched.
      return false;
    }
  }

  private static <C extends TransportCommand<C, ?>> C configure(
      C command, GitCredentials credentials) {
    command.setTimeout(60);
    return credentials.apply(command);
  }
}
