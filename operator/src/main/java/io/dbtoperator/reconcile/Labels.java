package io.dbtoperator.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** The labels and annotations the operator sets and reads, and the names of what it creates. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "dbt-operator";
  public static final String PROJECT = "dbtoperator.io/project";
  public static final String SCHEMA = "dbtoperator.io/schema";
  public static final String RUN = "dbtoperator.io/run";

  /** On DbtSchemas the project reconciler created; hand-written ones lack it. */
  public static final String MANAGED = "dbtoperator.io/managed";

  /** Set by the clock CronJob (and by hand): a refresh tick; the value is an opaque token. */
  public static final String REFRESH_REQUESTED = "dbtoperator.io/refresh-requested-at";

  /** On a DbtSchema: refresh it now, due or not; the value is an opaque token. */
  public static final String SCHEMA_REFRESH = "dbtoperator.io/refresh";

  /** On a DbtSchema: a full refresh now (incrementals rebuilt from scratch). */
  public static final String SCHEMA_FULL_REFRESH = "dbtoperator.io/full-refresh";

  /** On a DbtSchema: make the previous version live again. */
  public static final String SCHEMA_ROLLBACK = "dbtoperator.io/rollback";

  /** On a DbtSchema with deletionPolicy Drop: its schema is dropped before the resource goes. */
  public static final String DROP_FINALIZER = "dbtoperator.io/drop-schema";

  /**
   * On a DbtProject while one of its DbtSchemas has {@link #DROP_FINALIZER}: the drop needs the
   * project's warehouse settings, so the project waits for it.
   */
  public static final String PROJECT_DROP_FINALIZER = "dbtoperator.io/drop-schemas";

  /** Flux's request for a reconcile, honoured the same way. */
  public static final String FLUX_REQUESTED = "reconcile.fluxcd.io/requestedAt";

  private Labels() {}

  /**
   * A DNS-1123 name from parts, at most 63 characters; a hash of the whole keeps names that had to
   * be shortened apart.
   */
  public static String name(String... parts) {
    String joined = String.join("-", parts).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    joined = joined.replaceAll("-+", "-").replaceAll("^-|-$", "");
    if (joined.length() <= 63) {
      return joined;
    }
    String hash = hash(String.join("/", parts)).substring(0, 8);
    return joined.substring(0, 54).replaceAll("-$", "") + "-" + hash;
  }

  /** A label value for a schema name (schema names are identifiers, so only the case changes). */
  public static String value(String text) {
    String value = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return value.length() <= 63 ? value : value.substring(0, 54) + "-" + hash(text).substring(0, 8);
  }

  static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
