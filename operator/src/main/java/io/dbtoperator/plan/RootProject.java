package io.dbtoperator.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/** Which package of a manifest is the project itself rather than one it installs. */
final class RootProject {
  private RootProject() {}

  /**
   * dbt 1.7 and newer write metadata.project_name. Older manifests only carry metadata.project_id,
   * the md5 of that name; counting models instead picks a big package such as dbt_artifacts.
   *
   * @param packages every package that owns a node or macro of the manifest, sorted
   */
  static String name(
      String source,
      String projectName,
      String projectId,
      Set<String> packages,
      Collection<ManifestNode> nodes) {
    if (projectName != null) {
      return projectName;
    }
    if (projectId != null) {
      for (String candidate : packages) {
        if (md5(candidate).equalsIgnoreCase(projectId)) {
          return candidate;
        }
      }
      throw new PlanException(
          "manifest "
              + source
              + ": metadata.project_id "
              + projectId
              + " is the md5 of none of its packages ("
              + String.join(", ", packages)
              + ")");
    }
    return mostCommonModelPackage(nodes);
  }

  /** Hand-written manifests may have neither field; dbt always writes one of them. */
  private static String mostCommonModelPackage(Collection<ManifestNode> nodes) {
    Map<String, Integer> counts = new HashMap<>();
    for (ManifestNode node : nodes) {
      if (node.isModel() && node.packageName() != null) {
        counts.merge(node.packageName(), 1, Integer::sum);
      }
    }
    String best = null;
    int bestCount = 0;
    for (Map.Entry<String, Integer> entry : counts.entrySet()) {
      int count = entry.getValue();
      if (count > bestCount || (count == bestCount && entry.getKey().compareTo(best) < 0)) {
        best = entry.getKey();
        bestCount = count;
      }
    }
    return best;
  }

  private static String md5(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides MD5", e);
    }
  }
}
