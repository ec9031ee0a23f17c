package io.dbtoperator.cli;

import io.dbtoperator.git.GitCredentials;
import io.dbtoperator.git.GitCredentialsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The init container of a build pod: checks out one exact commit and lays the operator's files (the
 * staging redirect) over the project in it. The repository itself is never changed.
 */
@Command(
    name = "checkout",
    mixinStandardHelpOptions = true,
    description = "Checks out a commit into a directory and lays overlay files over its project.")
final class CheckoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--url", required = true, description = "Repository URL or path.")
  String url;

  @Option(names = "--commit", required = true, description = "Commit sha to check out.")
  String commit;

  @Option(names = "--dest", required = true, description = "Directory to check out into.")
  Path dest;

  @Option(
      names = "--project-dir",
      defaultValue = ".",
      description = "Directory of dbt_project.yml in the repository.")
  String projectDir;

  @Option(names = "--overlay", description = "Directory of files to lay over the project.")
  Path overlay;

  @Option(names = "--credentials", description = "Directory of the mounted git Secret.")
  Path credentials;

  @Option(names = "--token-key", description = "File in --credentials holding an HTTPS token.")
  String tokenKey;

  @Option(
      names = "--ssh-private-key-key",
      defaultValue = "ssh-privatekey",
      description =
          "File in --credentials holding the SSH private key, for ssh URLs (default: ${DEFAULT-VALUE}).")
  String sshPrivateKeyKey;

  @Option(
      names = "--known-hosts-key",
      defaultValue = "known_hosts",
      description =
          "File in --credentials holding the known_hosts the SSH server must be in (default:"
              + " ${DEFAULT-VALUE}).")
  String knownHostsKey;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    var clone = Git.cloneRepository().setURI(url).setDirectory(dest.toFile()).setNoCheckout(true);
    try (GitCredentials auth = credentials()) {
      try (Git git = auth.apply(clone).call()) {
        ObjectId id = git.getRepository().resolve(commit + "^{commit}");
        if (id == null) {
          throw new UserInputException("--commit: " + commit + " is not in " + url);
        }
        git.checkout().setName(id.name()).call();
        out.println("checked out " + id.name() + " into " + dest);
      } catch (GitAPIException e) {
        throw new UserInputException(
            auth.hostKeyRefusal().isPresent()
                ? "--url: " + auth.explain(e)
                : "--url: cannot clone " + url + ": " + auth.explain(e));
      }
    }
    if (overlay != null && Files.isDirectory(overlay)) {
      lay(overlay, dest.resolve(projectDir).normalize(), out);
    }
    return Main.NO_CHANGES;
  }

  /**
   * The mounted git Secret as credentials for the URL: its private key and known_hosts for an ssh
   * URL, its token otherwise. Only file names and the directory appear in messages.
   */
  private GitCredentials credentials() throws IOException {
    if (!GitCredentials.isSsh(url)) {
      if (credentials == null || tokenKey == null) {
        return GitCredentials.none();
      }
      return GitCredentials.token(
          new String(read(tokenKey, "--token-key"), StandardCharsets.UTF_8).trim());
    }
    if (credentials == null) {
      throw new UserInputException(
          "--credentials: required for an ssh URL (a directory with the SSH private key and"
              + " known_hosts)");
    }
    byte[] key = read(sshPrivateKeyKey, "--ssh-private-key-key");
    byte[] knownHosts = read(knownHostsKey, "--known-hosts-key");
    try {
      return GitCredentials.ssh(key, knownHosts);
    } catch (GitCredentialsException e) {
      boolean keyAtFault = e.part() == GitCredentialsException.Part.PRIVATE_KEY;
      throw new UserInputException(
          (keyAtFault ? "--ssh-private-key-key: " : "--known-hosts-key: ")
              + credentials.resolve(keyAtFault ? sshPrivateKeyKey : knownHostsKey)
              + " "
              + e.getMessage());
    }
  }

  private byte[] read(String name, String option) throws IOException {
    Path file = credentials.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new UserInputException(option + ": no file " + file + " (from --credentials)");
    }
    return Files.readAllBytes(file);
  }

  /** ConfigMap volumes hold their files behind "..data" links; only the visible tree is laid. */
  private static void lay(Path from, Path into, PrintWriter out) throws IOException {
    try (Stream<Path> files = Files.walk(from, FileVisitOption.FOLLOW_LINKS)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path relative = from.relativize(file);
        if (relative.toString().startsWith("..")) {
          continue;
        }
        Path target = into.resolve(relative.toString()).normalize();
        if (!target.startsWith(into)) {
          throw new UncheckedIOException(
              new IOException("overlay file escapes the project: " + relative));
        }
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        out.println("laid " + relative);
      }
    }
  }
}
