package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.git.JGitRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

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
   * @param token an HTTPS access token, or null
   */
  JGitRepository open(String namespace, String name, DbtProjectSpec.Git git, String token) {
    Path dir = root.resolve(namespace).resolve(name + ".git");
    CredentialsProvider credentials =
        token == null ? null : new UsernamePasswordCredentialsProvider("x-access-token", token);
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
      throw new SpecProblem(
          "GitUnreachable", "spec.git.url: cannot fetch " + git.url() + ": " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the git cache " + dir, e);
    }
    return JGitRepository.open(dir);
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
      C command, CredentialsProvider credentials) {
    command.setTimeout(60);
    if (credentials != null) {
      command.setCredentialsProvider(credentials);
    }
    return command;
  }
}
