package io.dbtoperator.run;

import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import io.dbtoperator.plan.PlanException;
import io.dbtoperator.warehouse.PemPrivateKeys;
import io.dbtoperator.warehouse.SnowflakeSettings;
import io.dbtoperator.warehouse.SnowflakeSql;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The CLI's {@code --warehouse snowflake://ACCOUNT/DATABASE?user=U&warehouse=W&role=R&schema=S}.
 * Credentials never appear in the location: the password comes from {@value #PASSWORD}, or the
 * private key from the PKCS8 PEM file named by {@value #PRIVATE_KEY_PATH} (with {@value
 * #PRIVATE_KEY_PASSPHRASE} if it is encrypted).
 *
 * <p>{@code host}, {@code port} and {@code protocol} point at an emulator such as fakesnow instead
 * of {@code ACCOUNT.snowflakecomputing.com}; {@code query_tag=off} is for emulators that reject
 * QUERY_TAG.
 */
final class SnowflakeLocation {

  static final String PASSWORD = "SNOWFLAKE_PASSWORD";
  static final String PRIVATE_KEY_PATH = "SNOWFLAKE_PRIVATE_KEY_PATH";
  static final String PRIVATE_KEY_PASSPHRASE = "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE";

  static final String USAGE = "snowflake://ACCOUNT/DATABASE?user=U[&warehouse=W&role=R&schema=S]";

  private static final Pattern ACCOUNT = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]*$");
  private static final Set<String> PARAMETERS =
      Set.of(
          "user",
          "warehouse",
          "role",
          "schema",
          "host",
          "port",
          "protocol",
          "query_tag",
          "login_timeout");

  private SnowflakeLocation() {}

  static SnowflakeTarget parse(String location, Function<String, String> env) {
    URI uri = WarehouseLocation.uri(location);
    if (uri.getRawUserInfo() != null) {
      throw new PlanException(
          "--warehouse: give the user as ?user=U; the password comes from "
              + PASSWORD
              + " and the key from "
              + PRIVATE_KEY_PATH
              + ", never from the location");
    }
    String account = uri.getHost();
    String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (account == null || database.isEmpty()) {
      throw new PlanException(
          "--warehouse \""
              + WarehouseLocation.redacted(location)
              + "\": account and database are required: "
              + USAGE);
    }
    if (!ACCOUNT.matcher(account).matches() || uri.getPort() >= 0) {
      throw new PlanException(
          "--warehouse: \"" + account + "\" is not a Snowflake account identifier");
    }
    Map<String, String> query = WarehouseLocation.query(uri.getQuery(), PARAMETERS);
    String user = query.get("user");
    if (user == null || user.isBlank()) {
      throw new PlanException("--warehouse: the user is required: " + USAGE);
    }
    String schema = query.getOrDefault("schema", "public");
    try {
      SnowflakeSql.identifier("--warehouse: database", database);
      SnowflakeSql.identifier("--warehouse: schema", schema);
      if (query.containsKey("role")) {
        SnowflakeSql.identifier("--warehouse: role", query.get("role"));
      }
      if (query.containsKey("warehouse")) {
        SnowflakeSql.identifier("--warehouse: warehouse", query.get("warehouse"));
      }
    } catch (IllegalArgumentException e) {
      throw new PlanException(e.getMessage());
    }
    Credentials credentials = credentials(env);
    return new SnowflakeTarget(
        new SnowflakeSettings(
            account,
            user,
            query.get("role"),
            query.get("warehouse"),
            database,
            credentials.authentication(),
            credentials.password(),
            credentials.privateKeyPem(),
            credentials.passphrase(),
            loginTimeout(query.get("login_timeout")),
            null,
            serverUrl(query),
            !"off".equals(query.getOrDefault("query_tag", "on"))),
        schema);
  }

  private record Credentials(
      SnowflakeAuthentication authentication,
      String password,
      String privateKeyPem,
      String passphrase) {}

  private static Credentials credentials(Function<String, String> env) {
    String keyPath = env.apply(PRIVATE_KEY_PATH);
    String password = env.apply(PASSWORD);
    if (keyPath != null && !keyPath.isEmpty()) {
      String pem;
      try {
        pem = Files.readString(Path.of(keyPath));
      } catch (IOException | RuntimeException e) {
        throw new PlanException(
            "--warehouse: " + PRIVATE_KEY_PATH + ": cannot read \"" + keyPath + "\"");
      }
      String passphrase = env.apply(PRIVATE_KEY_PASSPHRASE);
      passphrase = passphrase == null || passphrase.isEmpty() ? null : passphrase;
      try {
        PemPrivateKeys.parse(pem, passphrase, "--warehouse: " + PRIVATE_KEY_PATH);
      } catch (IllegalArgumentException e) {
        throw new PlanException(e.getMessage());
      }
      return new Credentials(SnowflakeAuthentication.keyPair, null, pem, passphrase);
    }
    if (password != null && !password.isEmpty()) {
      return new Credentials(SnowflakeAuthentication.password, password, null, null);
    }
    throw new PlanException(
        "--warehouse: snowflake needs "
            + PRIVATE_KEY_PATH
            + " (a PKCS8 PEM file, with "
            + PRIVATE_KEY_PASSPHRASE
            + " if encrypted) or "
            + PASSWORD
            + " in the environment");
  }

  private static Duration loginTimeout(String seconds) {
    if (seconds == null) {
      return null;
    }
    try {
      int value = Integer.parseInt(seconds);
      if (value > 0) {
        return Duration.ofSeconds(value);
      }
    } catch (NumberFormatException e) {
      // reported below with the option's name
    }
    throw new PlanException(
        "--warehouse: login_timeout: \"" + seconds + "\" is not a positive number of seconds");
  }

  private static String serverUrl(Map<String, String> query) {
    String host = query.get("host");
    if (host == null) {
      if (query.containsKey("port") || query.containsKey("protocol")) {
        throw new PlanException("--warehouse: port and protocol need host");
      }
      return null;
    }
    String protocol = query.getOrDefault("protocol", "https");
    if (!protocol.equals("http") && !protocol.equals("https")) {
      throw new PlanException("--warehouse: protocol: \"" + protocol + "\" is not http or https");
    }
    int port;
    try {
      port = Integer.parseInt(query.getOrDefault("port", protocol.equals("http") ? "80" : "443"));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new PlanException("--warehouse: port: \"" + query.get("port") + "\" is not a port");
    }
    try {
      return new URI(protocol, null, host, port, null, null, null).toString();
    } catch (URISyntaxException e) {
      throw new PlanException("--warehouse: host: \"" + host + "\" is not a host name");
    }
  }
}
