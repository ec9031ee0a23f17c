package io.dbtoperator.run;

import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import io.dbtoperator.warehouse.SnowflakeSettings;
import io.dbtoperator.warehouse.SnowflakeWarehouse;
import io.dbtoperator.warehouse.Warehouse;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A Snowflake database, for the operator's own connection (snowflake-jdbc) and for dbt-snowflake.
 *
 * @param profileSchema the profile's schema: where models without a custom schema go
 */
public record SnowflakeTarget(SnowflakeSettings settings, String profileSchema)
    implements WarehouseTarget {

  /*
   * dbt scrubs the values of variables named DBT_ENV_SECRET_* from its logs and refuses them
   * outside profiles.yml and packages.yml, so a secret cannot end up in a model's SQL either.
   */
  public static final String PASSWORD_ENV = "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD";
  public static final String PRIVATE_KEY_ENV = "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY";
  public static final String PASSPHRASE_ENV = "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE";

  /**
   * dbt-snowflake's own retries of a failed login; the operator retries its steps on top, so a
   * small number keeps a dead account from holding a run for long.
   */
  static final int CONNECT_RETRIES = 2;

  @Override
  public String type() {
    return "snowflake";
  }

  /** The operator's statements outside any run (plan checks, schema look-ups) carry no run id. */
  @Override
  public Warehouse open(String project, Clock clock, Consumer<String> notices) {
    return new SnowflakeWarehouse(settings, project, null, clock);
  }

  @Override
  public DbtProfile profile(String profileName, int threads, String queryTag) {
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("type", "snowflake");
    output.put("account", settings.account());
    output.put("user", settings.user());
    Map<String, String> secretEnv = new LinkedHashMap<>();
    if (settings.authentication() == SnowflakeAuthentication.password) {
      output.put("password", DbtProfile.envReference(PASSWORD_ENV));
      secretEnv.put(PASSWORD_ENV, settings.password());
    } else {
      output.put("private_key", DbtProfile.envReference(PRIVATE_KEY_ENV));
      secretEnv.put(PRIVATE_KEY_ENV, settings.privateKeyPem());
      if (settings.passphrase() != null) {
        output.put("private_key_passphrase", DbtProfile.envReference(PASSPHRASE_ENV));
        secretEnv.put(PASSPHRASE_ENV, settings.passphrase());
      }
    }
    if (settings.role() != null) {
      output.put("role", settings.role());
    }
    if (settings.warehouse() != null) {
      output.put("warehouse", settings.warehouse());
    }
    output.put("database", settings.database());
    output.put("schema", profileSchema);
    output.put("threads", threads);
    if (queryTag != null && settings.queryTags()) {
      output.put("query_tag", queryTag);
    }
    output.put("connect_timeout", settings.loginTimeout().toSeconds());
    output.put("connect_retries", CONNECT_RETRIES);
    if (settings.serverUrl() != null) {
      URI server = URI.create(settings.serverUrl());
      output.put("host", server.getHost());
      output.put("port", server.getPort());
      output.put("protocol", server.getScheme());
    }
    return new DbtProfile(profileName, DbtProfile.TARGET, output, secretEnv);
  }

  /** The variables of {@link #profile} that hold secrets, to the secret keys they come from. */
  public static Map<String, String> secretKeysByEnv(
      SnowflakeAuthentication authentication,
      String passwordKey,
      String privateKeyKey,
      String passphraseKey) {
    Map<String, String> keys = new LinkedHashMap<>();
    if (authentication == SnowflakeAuthentication.password) {
      keys.put(PASSWORD_ENV, passwordKey);
    } else {
      keys.put(PRIVATE_KEY_ENV, privateKeyKey);
      if (passphraseKey != null) {
        keys.put(PASSPHRASE_ENV, passphraseKey);
      }
    }
    return keys;
  }
}
