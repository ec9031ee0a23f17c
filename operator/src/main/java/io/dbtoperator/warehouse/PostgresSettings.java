package io.dbtoperator.warehouse;

import java.util.Objects;
import java.util.Properties;

/**
 * How to reach a Postgres database.
 *
 * @param sslmode libpq sslmode, null for the driver default
 */
public record PostgresSettings(
    String host, int port, String database, String user, String password, String sslmode) {

  public PostgresSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** Driver properties; the password travels here, never in the URL, so it is never logged. */
  public Properties properties() {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    if (password != null) {
      properties.setProperty("password", password);
    }
    if (sslmode != null) {
      properties.setProperty("sslmode", sslmode);
    }
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("ApplicationName", "dbt-operator");
    return properties;
  }

  @Override
  public String toString() {
    return "postgres://" + user + "@" + host + ":" + port + "/" + database;
  }
}
