package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The full cycle of {@link SnowflakeWarehouse} against a real Snowflake account, on schemas named
 * after a random run id that are dropped afterwards. Runs only when SNOWFLAKE_ACCOUNT,
 * SNOWFLAKE_USER, SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH (with
 * SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if encrypted), SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE and
 * SNOWFLAKE_ROLE are set; skipped otherwise. SNOWFLAKE_GRANTEE_ROLE, if set, names a role that
 * receives and loses SELECT.
 */
class SnowflakeLiveIT {

  @Test
  void fullCycleOnAUniqueSchema() throws Exception {
    Map<String, String> env = System.getenv();
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
      System.out.println("SnowflakeLiveIT skipped: not set: " + String.join(", ", missing));
    }
    assumeThat(missing).as("Snowflake environment variables").isEmpty();

    SnowflakeSettings settings =
        new SnowflakeSettings(
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
            Duration.ofMinutes(2),
            null,
            true);
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String live = "dbtop_it_" + suffix;
    StagingSchema first = new StagingSchema("it", live, "r1-" + suffix);
    StagingSchema second = new StagingSchema("it", live, "r2-" + suffix);
    Clock clock = Clock.systemUTC();
    SnowflakeSql sql = new SnowflakeSql(settings.database(), "SNOWFLAKE_DATABASE");
    try {
      try (SnowflakeWarehouse warehouse =
          new SnowflakeWarehouse(settings, "it", first.runId(), clock)) {
        warehouse.createStaging(first);
        warehouse.cloneLive(first, List.of());
        execute(settings, "CREATE TABLE " + sql.schema(first.name()) + ".\"T\" (ID INT)");
        execute(settings, "INSERT INTO " + sql.schema(first.name()) + ".\"T\" VALUES (1)");
        assertThat(warehouse.swap(first)).isTrue();
        assertThat(warehouse.swap(first)).isFalse();
        assertThat(warehouse.tag(live))
            .get()
            .extracting(SchemaTag::runId, SchemaTag::role)
            .containsExactly(first.runId(), SchemaTag.Role.LIVE);
        assertThat(warehouse.schemaExists(first.name())).isFalse();
      }
      try (SnowflakeWarehouse warehouse =
          new SnowflakeWarehouse(settings, "it", second.runId(), clock)) {
        warehouse.createStaging(second);
        assertThat(warehouse.tag(second.name()))
            .get()
            .extracting(SchemaTag::role)
            .isEqualTo(SchemaTag.Role.STAGING);
        warehouse.cloneLive(second, List.of());
        assertThat(warehouse.tag(second.name()))
            .get()
            .extracting(SchemaTag::runId)
            .isEqualTo(second.runId());
        assertThat(warehouse.swap(second)).isTrue();
        assertThat(warehouse.tag(live))
            .get()
            .extracting(SchemaTag::runId)
            .isEqualTo(second.runId());
        assertThat(warehouse.tag(second.name()))
            .get()
            .extracting(SchemaTag::runId, SchemaTag::role)
            .containsExactly(first.runId(), SchemaTag.Role.PREVIOUS);
        assertThat(warehouse.ownedSchemas(live))
            .extracting(OwnedSchema::name)
            .containsExactly(second.name());

        String grantee = env.get("SNOWFLAKE_GRANTEE_ROLE");
        if (grantee != null && !grantee.isBlank()) {
          SchemaGrants desired = SchemaGrants.of(Map.of(grantee, List.of("SELECT")));
          assertThat(warehouse.applyGrants(live, desired).granted()).isEqualTo(desired);
          assertThat(warehouse.currentGrants(live)).isEqualTo(desired);
          assertThat(warehouse.applyGrants(live, desired).isEmpty()).isTrue();
          warehouse.applyGrants(live, SchemaGrants.none());
          assertThat(warehouse.currentGrants(live).privilegesByRole())
              .doesNotContainKey(grantee.toUpperCase(Locale.ROOT));
        }
        warehouse.drop(second.name());
        assertThat(warehouse.schemaExists(second.name())).isFalse();
      }
    } finally {
      for (String schema : List.of(live, first.name(), second.name())) {
        execute(settings, sql.dropSchema(schema));
      }
    }
  }

  private static void execute(SnowflakeSettings settings, String statementText)
      throws SQLException {
    try (Connection c = SnowflakeConnections.open(settings);
        Statement statement = c.createStatement()) {
      statement.execute(statementText);
    }
  }
}
