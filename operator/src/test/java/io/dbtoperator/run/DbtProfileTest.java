package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.warehouse.PostgresSettings;
import org.junit.jupiter.api.Test;

class DbtProfileTest {
  @Test
  void writesThePasswordAsAnEnvironmentLookupOnly() {
    PostgresTarget target =
        new PostgresTarget(
            new PostgresSettings("db", 5432, "analytics", "dbt", "s3cret", null), "public");

    DbtProfile profile = target.profile("shop_profile", 4, null);

    assertThat(profile.toYaml())
        .isEqualTo(
            """
            shop_profile:
              target: "dbt_operator"
              outputs:
                dbt_operator:
                  type: "postgres"
                  host: "db"
                  port: 5432
                  user: "dbt"
                  password: "{{ env_var('DBT_OPERATOR_PG_PASSWORD') }}"
                  dbname: "analytics"
                  schema: "public"
                  threads: 4
            """);
    assertThat(profile.secretEnv())
        .containsExactly(java.util.Map.entry("DBT_OPERATOR_PG_PASSWORD", "s3cret"));
    assertThat(
            new DbtCommand(
                    java.util.List.of("build"), profile.secretEnv(), java.nio.file.Path.of("."))
                .toString())
        .isEqualTo("dbt build (env: [DBT_OPERATOR_PG_PASSWORD])");
  }

  @Test
  void writesProfilesReadableByTheOwnerOnly(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
    PostgresTarget target =
        new PostgresTarget(
            new PostgresSettings("db", 5432, "analytics", "dbt", "s3cret", null), "p");
    java.nio.file.Path file = target.profile("shop", 1, null).write(dir);
    java.nio.file.Path again = target.profile("shop", 2, null).write(dir);

    assertThat(again).isEqualTo(file);
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }
}
