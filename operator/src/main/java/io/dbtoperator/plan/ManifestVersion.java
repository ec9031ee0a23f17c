package io.dbtoperator.plan;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The manifest schema versions the reader knows: v4 (dbt 1.0) to v12. */
final class ManifestVersion {
  static final int OLDEST_SUPPORTED_VERSION = 4;
  static final int NEWEST_SUPPORTED_VERSION = 12;
  private static final Pattern VERSION_IN_URL = Pattern.compile("/v(\\d+)(?:\\.json)?/?$");

  private ManifestVersion() {}

  /** "vN" from metadata.dbt_schema_version; versions outside the range are refused. */
  static String of(String url, String source) {
    Matcher matcher = VERSION_IN_URL.matcher(url);
    if (!matcher.find()) {
      throw new PlanException(
          "manifest "
              + source
              + ": unrecognised metadata.dbt_schema_version \""
              + url
              + "\" (expected a URL ending in /vN.json)");
    }
    int number;
    try {
      number = Integer.parseInt(matcher.group(1));
    } catch (NumberFormatException tooManyDigits) {
      number = Integer.MAX_VALUE;
    }
    if (number < OLDEST_SUPPORTED_VERSION) {
      throw new PlanException(
          "manifest "
              + source
              + ": manifest schema v"
              + number
              + " is not supported; dbt-operator needs v"
              + OLDEST_SUPPORTED_VERSION
              + " (dbt 1.0) or newer, re-run dbt compile with a recent dbt");
    }
    if (number > NEWEST_SUPPORTED_VERSION) {
      throw new PlanException(
          "manifest "
              + source
              + ": metadata.dbt_schema_version: manifest schema v"
              + number
              + " is newer than dbt-operator reads (v"
              + OLDEST_SUPPORTED_VERSION
              + " to v"
              + NEWEST_SUPPORTED_VERSION
              + ")");
    }
    return "v" + number;
  }
}
