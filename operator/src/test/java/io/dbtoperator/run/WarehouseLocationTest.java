package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.plan.PlanException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WarehouseLocationTest {
  @Test
  void readsAPostgresLocationWithThePasswordFromTheEnvironment() {
    PostgresTarget target =
        WarehouseLocation.postgres(
            "postgres://dbt@db.internal:6432/analytics?schema=staging&sslmode=require",
            Map.of("PGPASSWORD", "s3cret")::get);

    assertThat(target.settings().host()).isEqualTo("db.internal");
    assertThat(target.settings().port()).isEqualTo(6432);
    assertThat(target.settings().database()).isEqualTo("analytics");
    assertThat(target.settings().user()).isEqualTo("dbt");
    assertThat(target.settings().password()).isEqualTo("s3cret");
    assertThat(target.settings().sslmode()).isEqualTo("require");
    assertThat(target.profileSchema()).isEqualTo("staging");
    assertThat(target.settings().toString()).doesNotContain("s3cret");
  }

  @Test
  void refusesAPasswordInTheLocationWithoutEchoingIt() {
    assertThatThrownBy(
            () ->
                WarehouseLocation.postgres(
                    "postgres://dbt:hunter2@db/analytics", Map.<String, String>of()::get))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("DBT_OPERATOR_PG_PASSWORD")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void namesTheOptionForUnknownSchemesAndParameters() {
    assertThatThrownBy(() -> WarehouseLocation.open("mysql://x/y", Map.<String, String>of()::get))
        .isInstanceOf(PlanException.class)
        .hasMessageStartingWith("--warehouse \"mysql://x/y\": expected embedded:DIR, postgres://");
    assertThatThrownBy(
            () ->
                WarehouseLocation.postgres(
                    "postgres://dbt@db/analytics?role=x", Map.<String, String>of()::get))
        .hasMessage("--warehouse: unknown parameter \"role\"; known: schema, sslmode");
  }

  @Test
  void neverEchoesTheUserInfoOfAMalformedOrUnknownLocation() {
    for (String location :
        new String[] {
          "postgres://user:Hunter2pw@host:5432 /db",
          "postgres://user:Hunter2pw@/db",
          "mysql://user:Hunter2pw@host/db",
          "postgresql://user:Hunter2pw@host:notaport/db"
        }) {
      assertThatThrownBy(() -> WarehouseLocation.open(location, Map.<String, String>of()::get))
          .as(location)
          .isInstanceOf(PlanException.class)
          .hasMessageStartingWith("--warehouse")
          .hasMessageNotContaining("Hunter2pw")
          .hasMessageNotContaining("user:");
    }
  }
}
