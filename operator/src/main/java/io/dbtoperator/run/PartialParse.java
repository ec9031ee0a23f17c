package io.dbtoperator.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * dbt's {@code partial_parse.msgpack}, kept in the artifact store from one {@code dbt parse} to the
 * next: restored into the target directory before a parse, dbt re-reads only the files that changed
 * since (2.7-3.4 times faster on large projects, docs/benchmarks.md). dbt checks the file itself
 * and parses in full when it does not fit, but it is only worth restoring when what dbt checks is
 * the same, so it is stored under a key made of the dbt version (or the image that pins it), the
 * profile and the project's vars. Only the newest is kept.
 */
public record PartialParse(ArtifactStore artifacts, ArtifactStore.ProjectKey project) {
  public static final String FILE = "partial_parse.msgpack";

  /**
   * The key of a parse's file.
   *
   * @param dbtVersion the dbt version, or the image of a parse pod (its tag pins the version)
   * @param profileYaml the profiles.yml dbt parses with (it names secrets, never holds them)
   */
  public static String key(String dbtVersion, String profileYaml, byte[] dbtProjectYml) {
    String text =
        "dbt "
            + dbtVersion
            + "\nprofile\n"
            + profileYaml
            + "\nvars "
            + DbtProjectFile.vars(dbtProjectYml);
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /**
   * Puts the file stored under {@code key} into dbt's target directory.
   *
   * @return whether one was stored
   */
  public boolean restore(String key, Path targetDir) {
    Optional<InputStream> stored = artifacts.openPartialParse(project, key);
    if (stored.isEmpty()) {
      return false;
    }
    Path file = targetDir.resolve(FILE);
    try (InputStream in = stored.get()) {
      Files.createDirectories(targetDir);
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore " + file + ": " + e.getMessage(), e);
    }
    return true;
  }

  /**
   * Stores the file dbt wrote into {@code targetDir} under {@code key}.
   *
   * @return whether dbt wrote one
   */
  public boolean store(String key, Path targetDir) {
    Path file = targetDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return false;
    }
    artifacts.putPartialParse(project, key, file);
    return true;
  }
}
