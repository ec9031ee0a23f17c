package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Snowflake account the live suite runs against, from SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER,
 * SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH (with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if
 * encrypted), SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE and SNOWFLAKE_ROLE. A test that asks for it
 * without them prints what it skipped and why, and is skipped.
 */
public final class SnowflakeLiveEnv {
  private SnowflakeLiveEnv() {}

  public static Map<String, String> variables() {
    return System.getenv();
  }

  /** The settings, or the calling test skipped with a line naming what is missing. */
  public static SnowflakeSettings settingsOrSkip(String what) throws IOException {
    Map<String, String> env = variables();
    List<String> missing = new ArrayList<>();
    for (String name :
        List.of(
            "SNOWFLAKE_ACCOUNT",
            "SNOWFLAKE_USER",
            "SNOWFLAKE_DATABASE",
            "SNOWFLAKE_WAREHOUSE",
            "SNOWFLAKE_ROLE")) {
      if (env.getOrDefault(name, "").isBlank()) {
        missing.add(name);
      }
    }
    boolean password = !env.getOrDefault("SNOWFLAKE_PASSWORD", "").isBlank();
    if (!password && env.getOrDefault("SNOWFLAKE_PRIVATE_KEY_PATH", "").isBlank()) {
      missing.add("SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH");
    }
    if (!missing.isEmpty()) {
      System.out.println(
          "skipped "
              + what
              + ": it needs a Snowflake account, and these are not set: "
              + String.join(", ", missing));
    }
    assumeThat(missing).as("Snowflake environment variables").isEmpty();
    return new SnowflakeSettings(
        env.get("SNOWFLAKE_ACCOUNT"),
        env.get("SNOWFLAKE_USER"),
        env.get("SNOWFLAKE_ROLE"),
        env.get("SNOWFLAKE_WAREHOUSE"),
        env.get("SNOWFLAKE_DATABASE"),
        password ? SnowflakeAuthentication.password : SnowflakeAuthentication.keyPair,
        env.get("SNOWFLAKE_PASSWORD"),
        password ? null : Files.readString(Path.of(env.get("SNOWFLAKE_PRIVATE_KEY_PATH"))),
        env.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
        Duration.ofSeconds(20),
        Duration.ofMinutes(10),
        null,
        true);
  }

  /** SNOWFLAKE_GRANTEE_ROLE: a role that receives and loses privileges; null when not set. */
  public static String granteeRole() {
    String role = variables().get("SNOWFLAKE_GRANTEE_ROLE");
    return role == null || role.isBlank() ? null : role;
  }
}
