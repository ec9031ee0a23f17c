package io.dbtoperator.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Refuses a manifest that was not written at the commit it is given for. */
final class ManifestCommitCheck {
  private ManifestCommitCheck() {}

  /**
   * A manifest written at another commit would make the plan silently wrong, so the files the diff
   * touches must hash to the manifest's checksums.
   */
  static void verify(Manifest manifest, String commit, PlanInput in) {
    if (manifest == null || commit == null) {
      return;
    }
    in.files()
        .read(commit, "dbt_project.yml")
        .map(
            bytes ->
                ProjectLayout.parse(bytes, "dbt_project.yml at " + ChangePlanner.shortSha(commit))
                    .name())
        .filter(name -> name != null && manifest.projectName() != null)
        .filter(name -> !name.equals(manifest.projectName()))
        .ifPresent(
            name -> {
              throw mismatch(
                  manifest,
                  commit,
                  "it is for project "
                      + manifest.projectName()
                      + " but dbt_project.yml there names "
                      + name);
            });
    Set<String> touched = new TreeSet<>();
    in.changedFiles().forEach(f -> touched.add(f.path()));
    for (ManifestNode node : manifest.nodes().values()) {
      if (!(node.isModel() || node.isSnapshot())
          || node.originalFilePath() == null
          || !touched.contains(node.originalFilePath())
          || !manifest.projectName().equals(node.packageName())) {
        continue;
      }
      Optional<byte[]> content = in.files().read(commit, node.originalFilePath());
      if (content.isEmpty()) {
        throw mismatch(
            manifest,
            commit,
            node.originalFilePath() + " (" + node.uniqueId() + ") does not exist at that commit");
      }
      if (node.checksum() != null
          && !node.checksum().isEmpty()
          && !matchesChecksum(content.get(), node.checksum())) {
        throw mismatch(
            manifest,
            commit,
            node.originalFilePath()
                + " at that commit differs from the file the manifest was written from");
      }
    }
  }

  private static PlanException mismatch(Manifest manifest, String commit, String detail) {
    return new PlanException(
        "manifest "
            + manifest.source()
            + " does not match commit "
            + ChangePlanner.shortSha(commit)
            + ": "
            + detail);
  }

  /** dbt hashes a file's text after stripping surrounding white space. */
  static boolean matchesChecksum(byte[] content, String checksum) {
    String text = new String(content, StandardCharsets.UTF_8);
    return checksum.equals(sha256(text.strip())) || checksum.equals(sha256(text));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-256", e);
    }
  }
}
