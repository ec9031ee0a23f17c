package io.dbtoperator.cli;

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
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
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

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    var clone = Git.cloneRepository().setURI(url).setDirectory(dest.toFile()).setNoCheckout(true);
    if (credentials != null && tokenKey != null) {
      String token = Files.readString(credentials.resolve(tokenKey), StandardCharsets.UTF_8).trim();
      clone.setCredentialsProvider(
          new UsernamePasswordCredentialsProvider("x-access-token", token));
    }
    try (Git git = clone.call()) {
      ObjectId id = git.getRepository().resolve(commit + "^{commit}");
      if (id == null) {
        throw new UserInputException("--commit: " + commit + " is not in " + url);
      }
      git.checkout().setName(id.name()).call();
      out.println("checked out " + id.name() + " into " + dest);
    } catch (GitAPIException e) {
      throw new UserInputException("--url: cannot clone " + url + ": " + e.getMessage());
    }
    if (overlay != null && Files.isDirectory(overlay)) {
      lay(overlay, dest.resolve(projectDir).normalize(), out);
    }
    return Main.NO_CHANGES;
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
