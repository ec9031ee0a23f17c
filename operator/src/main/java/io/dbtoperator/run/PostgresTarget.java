package io.dbtoperator.run;

import io.dbtoperator.warehouse.PostgresSettings;
import io.dbtoperator.warehouse.PostgresWarehouse;
import io.dbtoperator.warehouse.Warehouse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A Postgres database.
 *
 * @param profileSchema the profile's schema: where models without a custom schema go
 */
public record PostgresTarget(PostgresSettings settings, String profileSchema)
    implements WarehouseTarget {

  public static final String PASSWORD_ENV = "DBT_OPERATOR_PG_PASSWORD";

  @Override
  public String type() {
    return "postgres";
  }

  @Override
  public Warehouse open(String project, Clock clock, Consumer<String> notices) {
    return new PostgresWarehouse(settings, project, clock, notices);
  }

  @Override
  public DbtProfile profile(String profileName, int threads, String queryTag) {
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("type", "postgres");
    output.put("host", settings.host());
    output.put("port", settings.port());
    output.put("user", settings.user());
    output.put("password", DbtProfile.envReference(PASSWORD_ENV));
    output.put("dbname", settings.database());
    output.put("schema", profileSchema);
    output.put("threads", threads);
    if (settings.sslmode() != null) {
      output.put("sslmode", settings.sslmode());
    }
    return new DbtProfile(
        profileName,
        DbtProfile.TARGET,
        output,
        Map.of(PASSWORD_ENV, settings.password() == null ? "" : settings.password()));
  }
}
