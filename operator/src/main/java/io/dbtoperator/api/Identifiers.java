package io.dbtoperator.api;

/** Patterns shared by the CRD schema and the config mapping, so both accept the same names. */
public final class Identifiers {
  /** An unquoted warehouse identifier (schema or role name). */
  public static final String IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_$]*$";

  /** A time of day, "HH:mm", 24-hour clock. */
  public static final String TIME_OF_DAY = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

  /** An abbreviated or full lowercase hexadecimal git commit id. */
  public static final String COMMIT_SHA = "^[0-9a-f]{7,40}$";

  /** A cron expression of exactly five fields, as a Kubernetes CronJob accepts. */
  public static final String FIVE_FIELD_CRON = "^\\S+(\\s+\\S+){4}$";

  /** A Kubernetes object name (DNS subdomain). */
  public static final String K8S_NAME = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

  private Identifiers() {}
}
