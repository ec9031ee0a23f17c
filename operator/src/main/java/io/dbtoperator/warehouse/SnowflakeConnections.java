package io.dbtoperator.warehouse;

import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Opens snowflake-jdbc connections from {@link SnowflakeSettings}. */
public final class SnowflakeConnections {
  static {
    io.dbtoperator.BouncyCastle.register();
  }

  private SnowflakeConnections() {}

  public static String jdbcUrl(SnowflakeSettings settings) {
    if (settings.serverUrl() == null) {
      return "jdbc:snowflake://" + settings.account() + ".snowflakecomputing.com/";
    }
    URI server = URI.create(settings.serverUrl());
    String url = "jdbc:snowflake://" + server.getHost() + ":" + server.getPort() + "/";
    // The driver derives the account from the host name unless the URL names it, which fails for
    // hosts like localhost.
    url += "?account=" + settings.account();
    return "http".equals(server.getScheme()) ? url + "&ssl=off" : url;
  }

  /** The driver properties; for key-pair authentication the key is parsed here from the PEM. */
  public static Properties properties(SnowflakeSettings settings) {
    Properties properties = new Properties();
    properties.put("user", settings.user());
    properties.put("account", settings.account());
    properties.put("db", SnowflakeSql.storedName("database", settings.database()));
    if (settings.role() != null) {
      properties.put("role", SnowflakeSql.storedName("role", settings.role()));
    }
    if (settings.warehouse() != null) {
      properties.put("warehouse", SnowflakeSql.storedName("warehouse", settings.warehouse()));
    }
    properties.put("loginTimeout", String.valueOf(settings.loginTimeout().toSeconds()));
    properties.put("networkTimeout", String.valueOf(settings.networkTimeout().toMillis()));
    // Without this the driver probes cloud metadata endpoints (169.254.169.254 and the like) at
    // every login to report the platform, which costs seconds where they are unreachable.
    properties.put("disablePlatformDetection", "true");
    // JSON results keep the driver off Arrow, which needs --add-opens java.base/java.nio on Java
    // 17 (the jar's manifest opens it too, for servers that send Arrow regardless); the operator
    // reads a few short rows, so Arrow's speed buys nothing.
    properties.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
    if (settings.authentication() == SnowflakeAuthentication.password) {
      properties.put("password", settings.password());
    } else {
      properties.put("authenticator", "SNOWFLAKE_JWT");
      properties.put(
          "privateKey",
          PemPrivateKeys.parse(settings.privateKeyPem(), settings.passphrase(), "privateKeyPem"));
    }
    return properties;
  }

  public static Connection open(SnowflakeSettings settings) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(settings), properties(settings));
  }

  /** Closes {@code connection}; a failure only loses the connection, so it is logged. */
  static void closeLogged(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      org.slf4j.LoggerFactory.getLogger(SnowflakeConnections.class)
          .warn("closing a Snowflake connection failed: {}", e.getMessage());
    }
  }
}
