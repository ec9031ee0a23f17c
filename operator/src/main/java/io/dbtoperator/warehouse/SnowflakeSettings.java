package io.dbtoperator.warehouse;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How the operator connects to Snowflake: the connection fields of the project plus the secret.
 *
 * @param account account identifier, e.g. {@code myorg-myaccount}
 * @param role role, or null for the user's default role
 * @param warehouse virtual warehouse, or null for the user's default
 * @param database database the schemas live in
 * @param password for {@link SnowflakeAuthentication#password}
 * @param privateKeyPem PKCS8 PEM text, for {@link SnowflakeAuthentication#keyPair}
 * @param passphrase of an encrypted {@code privateKeyPem}, or null
 * @param serverUrl where the driver connects instead of {@code https://<account>.snowflakecomputing
 *     .com}, e.g. {@code http://localhost:8765} for an emulator; null for Snowflake itself
 * @param queryTags whether each operation sets QUERY_TAG; false only for emulators without it
 */
public record SnowflakeSettings(
    String account,
    String user,
    String role,
    String warehouse,
    String database,
    SnowflakeAuthentication authentication,
    String password,
    String privateKeyPem,
    String passphrase,
    Duration loginTimeout,
    Duration networkTimeout,
    String serverUrl,
    boolean queryTags) {

  public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofMinutes(5);

  private static final Pattern ACCOUNT = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]*$");
  private static final String SPEC = "spec.warehouse.snowflake.";
  private static final String SECRET = "spec.warehouse.secretRef.";

  public SnowflakeSettings {
    Objects.requireNonNull(authentication, "authentication");
    loginTimeout = loginTimeout == null ? DEFAULT_LOGIN_TIMEOUT : loginTimeout;
    networkTimeout = networkTimeout == null ? DEFAULT_NETWORK_TIMEOUT : networkTimeout;
  }

  /**
   * The settings of a project's warehouse block, validated, with field paths in every error.
   *
   * @param secretValueByKey value of a key of the secret named by {@code secretRef}; null when the
   *     secret has no such key
   */
  public static SnowflakeSettings fromSpec(
      DbtProjectSpec.Warehouse spec, Function<String, String> secretValueByKey) {
    if (spec != null && spec.type() != DbtProjectSpec.WarehouseType.snowflake) {
      throw new IllegalArgumentException(
          "spec.warehouse.type: \"" + spec.type() + "\" is not snowflake");
    }
    if (spec == null || spec.snowflake() == null) {
      throw new IllegalArgumentException(SPEC.substring(0, SPEC.length() - 1) + ": required");
    }
    DbtProjectSpec.Snowflake snowflake = spec.snowflake();
    String account = required(SPEC + "account", snowflake.account());
    if (!ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException(
          SPEC + "account: \"" + account + "\" is not a valid account identifier");
    }
    String user = required(SPEC + "user", snowflake.user());
    SnowflakeSql.identifier(SPEC + "database", snowflake.database());
    if (snowflake.role() != null) {
      SnowflakeSql.identifier(SPEC + "role", snowflake.role());
    }
    if (snowflake.warehouse() != null) {
      SnowflakeSql.identifier(SPEC + "warehouse", snowflake.warehouse());
    }
    SnowflakeAuthentication authentication =
        snowflake.authentication() == null
            ? SnowflakeAuthentication.keyPair
            : snowflake.authentication();
    DbtProjectSpec.WarehouseSecretRef secret = spec.secretRef();
    if (secret == null) {
      throw new IllegalArgumentException(SECRET.substring(0, SECRET.length() - 1) + ": required");
    }
    String password = null;
    String pem = null;
    String passphrase = null;
    if (authentication == SnowflakeAuthentication.password) {
      password = secretValue(secret, "passwordKey", secret.passwordKey(), secretValueByKey);
    } else {
      pem = secretValue(secret, "privateKeyKey", secret.privateKeyKey(), secretValueByKey);
      if (secret.privateKeyPassphraseKey() != null) {
        passphrase =
            secretValue(
                secret,
                "privateKeyPassphraseKey",
                secret.privateKeyPassphraseKey(),
                secretValueByKey);
      }
      PemPrivateKeys.parse(pem, passphrase, SECRET + "privateKeyKey");
    }
    return new SnowflakeSettings(
        account,
        user,
        snowflake.role(),
        snowflake.warehouse(),
        snowflake.database(),
        authentication,
        password,
        pem,
        passphrase,
        null,
        null,
        null,
        true);
  }

  private static String required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": required");
    }
    return value;
  }

  private static String secretValue(
      DbtProjectSpec.WarehouseSecretRef secret,
      String keyField,
      String key,
      Function<String, String> secretValueByKey) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException(SECRET + keyField + ": required for this authentication");
    }
    String value = secretValueByKey.apply(key);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(
          SECRET + keyField + ": Secret \"" + secret.name() + "\" has no key \"" + key + "\"");
    }
    return value;
  }

  /** Leaves out the password, key and passphrase, so that logging settings leaks nothing. */
  @Override
  public String toString() {
    return "SnowflakeSettings[account="
        + account
        + ", user="
        + user
        + ", role="
        + role
        + ", warehouse="
        + warehouse
        + ", database="
        + database
        + ", authentication="
        + authentication
        + ", loginTimeout="
        + loginTimeout
        + ", networkTimeout="
        + networkTimeout
        + ", serverUrl="
        + serverUrl
        + "]";
  }
}
