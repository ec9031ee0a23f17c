package io.dbtoperator.run;

import io.dbtoperator.plan.PlanException;
import io.dbtoperator.warehouse.PostgresSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Where the CLI builds: {@code embedded:DIR}, a PostgreSQL the CLI starts itself with its data in
 * DIR (kept between commands), {@code postgres://user@host:port/database?schema=public}, or
 * Snowflake ({@link SnowflakeLocation}). Credentials never appear in the location: they come from
 * the environment.
 */
public final class WarehouseLocation implements AutoCloseable {
  /** Environment variables read for the Postgres password, first match wins. */
  public static final String[] PASSWORD_VARIABLES = {"DBT_OPERATOR_PG_PASSWORD", "PGPASSWORD"};

  private final WarehouseTarget target;
  private final EmbeddedPostgres embedded;

  private WarehouseLocation(WarehouseTarget target, EmbeddedPostgres embedded) {
    this.target = target;
    this.embedded = embedded;
  }

  public WarehouseTarget target() {
    return target;
  }

  /**
   * @param env environment lookup, System::getenv outside tests
   */
  public static WarehouseLocation open(String location, Function<String, String> env) {
    if (location.startsWith("embedded:")) {
      String rest = location.substring("embedded:".length());
      int query = rest.indexOf('?');
      List<String> roles = List.of();
      if (query >= 0) {
        Map<String, String> parameters = query(rest.substring(query + 1), Set.of("roles"));
        roles = List.of(parameters.getOrDefault("roles", "").split(","));
        rest = rest.substring(0, query);
      }
      return embedded(Path.of(rest), roles);
    }
    if (location.startsWith("postgres://") || location.startsWith("postgresql://")) {
      return new WarehouseLocation(postgres(location, env), null);
    }
    if (location.startsWith("snowflake://")) {
      return new WarehouseLocation(SnowflakeLocation.parse(location, env), null);
    }
    throw new PlanException(
        "--warehouse \""
            + redacted(location)
            + "\": expected embedded:DIR,"
            + " postgres://USER@HOST:PORT/DATABASE[?schema=S&sslmode=M] or "
            + SnowflakeLocation.USAGE);
  }

  /**
   * @param roles consumer roles to create (without login) if missing, so that grants in a project
   *     can be tried out locally; a real warehouse's roles are never created by dbt-operator
   */
  private static WarehouseLocation embedded(Path dataDir, List<String> roles) {
    for (String role : roles) {
      if (!role.isEmpty() && !role.matches(io.dbtoperator.api.Identifiers.IDENTIFIER)) {
        throw new PlanException("--warehouse embedded: roles: \"" + role + "\" is not a role name");
      }
    }
    try {
      Files.createDirectories(dataDir);
      EmbeddedPostgresOrphans.stop(dataDir.toAbsolutePath());
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir.toAbsolutePath())
              .setCleanDataDirectory(false)
              .start();
      PostgresSettings settings =
          new PostgresSettings("localhost", postgres.getPort(), "postgres", "postgres", "", null);
      createRoles(settings, roles);
      return new WarehouseLocation(new PostgresTarget(settings, "public"), postgres);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "--warehouse embedded:" + dataDir + ": cannot start PostgreSQL: " + e.getMessage(), e);
    }
  }

  private static void createRoles(PostgresSettings settings, List<String> roles) {
    try (Connection connection =
            DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
        Statement statement = connection.createStatement()) {
      for (String role : roles) {
        if (role.isEmpty()) {
          continue;
        }
        String name = role.toLowerCase(java.util.Locale.ROOT);
        statement.execute(
            "do $$ begin if not exists (select 1 from pg_roles where rolname = '"
                + name
                + "') then create role \""
                + name
                + "\" nologin; end if; end $$");
      }
    } catch (SQLException e) {
      throw new PlanException("--warehouse embedded: cannot create roles: " + e.getMessage());
    }
  }

  static PostgresTarget postgres(String location, Function<String, String> env) {
    URI uri = uri(location);
    String user = uri.getUserInfo();
    if (user == null || user.isEmpty() || user.contains(":")) {
      throw new PlanException(
          "--warehouse: give the user as postgres://USER@HOST/DATABASE; the password comes from"
              + " DBT_OPERATOR_PG_PASSWORD or PGPASSWORD, never from the location");
    }
    String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (uri.getHost() == null || database.isEmpty()) {
      throw new PlanException(
          "--warehouse \"" + redacted(location) + "\": host and database are required");
    }
    Map<String, String> query = query(uri.getQuery(), Set.of("schema", "sslmode"));
    String password = null;
    for (String variable : PASSWORD_VARIABLES) {
      if (env.apply(variable) != null) {
        password = env.apply(variable);
        break;
      }
    }
    PostgresSettings settings =
        new PostgresSettings(
            uri.getHost(),
            uri.getPort() < 0 ? 5432 : uri.getPort(),
            database,
            user,
            password,
            query.get("sslmode"));
    return new PostgresTarget(settings, query.getOrDefault("schema", "public"));
  }

  static URI uri(String location) {
    try {
      return new URI(location);
    } catch (URISyntaxException e) {
      // The exception's message quotes the whole input, user-info included.
      throw new PlanException(
          "--warehouse \""
              + redacted(location)
              + "\": not a valid URI: "
              + e.getReason()
              + " at index "
              + e.getIndex());
    }
  }

  private static final java.util.regex.Pattern USER_INFO =
      java.util.regex.Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@");

  /**
   * The location as it may be shown: a URI's user-info can hold a password (a typo elsewhere in the
   * location must not print it), so it is replaced whole.
   */
  public static String redacted(String location) {
    return USER_INFO.matcher(location).replaceFirst("$1***@");
  }

  static Map<String, String> query(String text, Set<String> known) {
    Map<String, String> values = new LinkedHashMap<>();
    if (text == null || text.isEmpty()) {
      return values;
    }
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new PlanException("--warehouse: query parameter \"" + pair + "\" is not key=value");
      }
      String key = pair.substring(0, eq);
      if (!known.contains(key)) {
        throw new PlanException(
            "--warehouse: unknown parameter \""
                + key
                + "\"; known: "
                + String.join(", ", new java.util.TreeSet<>(known)));
      }
      values.put(key, pair.substring(eq + 1));
    }
    return values;
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
      }
    }
  }
}
