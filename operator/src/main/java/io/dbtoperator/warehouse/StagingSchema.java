package io.dbtoperator.warehouse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The staging schema of one run of one live schema. Its name is derived from the live schema and
 * the run id alone, so a restarted run finds the schema an earlier attempt created.
 *
 * @param project the project key the run belongs to
 * @param live the live schema name as dbt generates it
 * @param runId the run id; lowercase letters, digits and '-'
 */
public record StagingSchema(String project, String live, String runId) {

  /** Separates the live name from the run id; dbt never generates it from a plain schema name. */
  public static final String MARKER = "__dbtop_";

  /** Postgres truncates identifiers at 63 bytes; Snowflake allows 255. */
  static final int MAX_NAME_LENGTH = 63;

  private static final Pattern RUN_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,39}$");

  public StagingSchema {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(live, "live");
    Objects.requireNonNull(runId, "runId");
    if (!RUN_ID.matcher(runId).matches()) {
      throw new IllegalArgumentException("run id must match " + RUN_ID.pattern() + ": " + runId);
    }
  }

  /**
   * {@code <live>__dbtop_<run>}, lowercase, with '-' as '_'. When that exceeds 63 characters the
   * live part is shortened and followed by a hash of the whole live name, so two long names that
   * share a prefix still get different staging names.
   */
  public String name() {
    String suffix = MARKER + runId.replace('-', '_');
    String base = live.toLowerCase(Locale.ROOT);
    if (base.length() + suffix.length() <= MAX_NAME_LENGTH) {
      return base + suffix;
    }
    String hash = sha256Hex(base).substring(0, 8);
    int keep = MAX_NAME_LENGTH - suffix.length() - hash.length() - 1;
    return base.substring(0, Math.max(1, keep)) + "_" + hash + suffix;
  }

  /** Whether {@code schemaName} could be a staging or previous schema of {@code liveSchema}. */
  public static boolean namePattern(String liveSchema, String schemaName) {
    String lower = schemaName.toLowerCase(Locale.ROOT);
    int marker = lower.lastIndexOf(MARKER);
    if (marker <= 0) {
      return false;
    }
    String livePart = liveSchema.toLowerCase(Locale.ROOT);
    String prefix = lower.substring(0, marker);
    return prefix.equals(livePart)
        || prefix.endsWith("_" + sha256Hex(livePart).substring(0, 8))
            && livePart.startsWith(prefix.substring(0, prefix.length() - 9));
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
