package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtSchemaSpec;
import io.dbtoperator.api.RefreshSpec;
import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.api.ViewChangePolicy;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigMapperTest {
  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

  private static RefreshSpec every(String every) {
    return new RefreshSpec(every, null, null, null, null);
  }

  private static DbtSchemaSpec schema(String name, RefreshSpec refresh) {
    return new DbtSchemaSpec("analytics", name, null, refresh, null, null, false);
  }

  private static DbtProjectSpec project(
      RefreshSpec refresh, DbtProjectSpec.Defaults defaults, ViewChangePolicy viewChangePolicy) {
    return new DbtProjectSpec(
        null, null, null, null, null, null, refresh, defaults, viewChangePolicy, null, null, false);
  }

  @Test
  void mapsEverySchemaField() {
    DbtSchemaSpec spec =
        new DbtSchemaSpec(
            "analytics",
            "ORDERS",
            SchemaKind.Materialized,
            new RefreshSpec(
                "PT6H",
                "0 3 * * SUN",
                "P1D",
                "Europe/Paris",
                new RefreshSpec.Conditions(
                    List.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                    new RefreshSpec.Window("22:00", "04:30"),
                    "PT4H",
                    "06:15")),
            Map.of("ANALYST", List.of("SELECT"), "LOADER", List.of("SELECT", "INSERT")),
            List.of("RAW", "STAGING"),
            true);

    SchemaPolicy policy = ConfigMapper.schemaPolicy(spec, "spec");

    assertThat(policy)
        .isEqualTo(
            new SchemaPolicy(
                "ORDERS",
                SchemaKind.Materialized,
                new RefreshPolicy(
                    new DurationCadence("PT6H", Duration.ofHours(6)),
                    CronCadence.parse("0 3 * * SUN", PARIS, "test"),
                    new DurationCadence("P1D", Duration.ofDays(1)),
                    new RefreshConditions(
                        Set.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                        LocalTime.of(22, 0),
                        LocalTime.of(4, 30),
                        PARIS,
                        Duration.ofHours(4),
                        LocalTime.of(6, 15))),
                Map.of("ANALYST", List.of("SELECT"), "LOADER", List.of("SELECT", "INSERT")),
                List.of("RAW", "STAGING"),
                true));
    assertThat(((CronCadence) policy.refresh().fullRefreshEvery()).zone()).isEqualTo(PARIS);
  }

  @Test
  void unsetFieldsStayUnsetSoDefaultsApply() {
    SchemaPolicy policy = ConfigMapper.schemaPolicy(schema("STAGING", null), "spec");

    assertThat(policy).isEqualTo(new SchemaPolicy("STAGING", null, null, null, null, false));
  }

  @Test
  void cronWithoutTimeZoneRunsInUtcAndConditionsStayEmpty() {
    RefreshPolicy policy = ConfigMapper.refreshPolicy(every("0 6 * * *"), "spec.refresh");

    assertThat(policy)
        .isEqualTo(
            new RefreshPolicy(
                CronCadence.parse("0 6 * * *", ZoneOffset.UTC, "test"),
                null,
                null,
                RefreshConditions.NONE));
  }

  @Test
  void timeZoneWithoutConditionsStillReachesTheConditions() {
    RefreshPolicy policy =
        ConfigMapper.refreshPolicy(
            new RefreshSpec("PT1H", null, null, "America/New_York", null), "spec.refresh");

    assertThat(policy.conditions())
        .isEqualTo(
            new RefreshConditions(Set.of(), null, null, ZoneId.of("America/New_York"), null, null));
  }

  @Test
  void resourcesOverrideTheFilePerSchemaAndProjectSettingsOverrideTheFile() {
    OperatorConfig file =
        new OperatorConfig(
            ViewChangePolicy.DeployDependents,
            null,
            ConfigMapper.refreshPolicy(every("P1D"), "defaults.refresh"),
            Map.of(
                "ORDERS", ConfigMapper.schemaPolicy(schema("ORDERS", every("PT1H")), "schemas[0]"),
                "RAW", ConfigMapper.schemaPolicy(schema("RAW", every("PT2H")), "schemas[1]")),
            Map.of("READER", List.of("SELECT")));
    DbtProjectSpec project =
        project(
            every("PT12H"),
            new DbtProjectSpec.Defaults(null, Map.of("ANALYST", List.of("SELECT"))),
            ViewChangePolicy.FullDeploy);

    OperatorConfig config =
        ConfigMapper.map(project, List.of(schema("orders", every("PT30M"))), file);

    assertThat(config)
        .isEqualTo(
            new OperatorConfig(
                ViewChangePolicy.FullDeploy,
                new RefreshPolicy(
                    new DurationCadence("PT12H", Duration.ofHours(12)),
                    null,
                    null,
                    RefreshConditions.NONE),
                new RefreshPolicy(
                    new DurationCadence("P1D", Duration.ofDays(1)),
                    null,
                    null,
                    RefreshConditions.NONE),
                Map.of(
                    "orders",
                    new SchemaPolicy(
                        "orders",
                        null,
                        new RefreshPolicy(
                            new DurationCadence("PT30M", Duration.ofMinutes(30)),
                            null,
                            null,
                            RefreshConditions.NONE),
                        null,
                        null,
                        false),
                    "RAW",
                    file.schemas().get("RAW")),
                Map.of("ANALYST", List.of("SELECT"))));
  }

  @Test
  void projectWithoutSettingsKeepsTheFileSettings() {
    OperatorConfig file =
        new OperatorConfig(
            ViewChangePolicy.FullDeploy,
            ConfigMapper.refreshPolicy(every("PT3H"), "refresh"),
            ConfigMapper.refreshPolicy(every("P1D"), "defaults.refresh"),
            Map.of("RAW", ConfigMapper.schemaPolicy(schema("RAW", null), "schemas[0]")),
            Map.of("READER", List.of("SELECT")));

    assertThat(ConfigMapper.map(project(null, null, null), List.of(), file)).isEqualTo(file);
  }

  @Test
  void withoutFileOrSettingsTheConfigIsEmpty() {
    assertThat(ConfigMapper.map(project(null, null, null), List.of()))
        .isEqualTo(OperatorConfig.EMPTY);
  }

  @Test
  void effectivePolicyAppliesOverrideThenOwnThenDefaults() {
    OperatorConfig config =
        ConfigMapper.map(
            project(
                null,
                new DbtProjectSpec.Defaults(every("P1D"), Map.of("READER", List.of("SELECT"))),
                null),
            List.of(
                new DbtSchemaSpec(
                    "analytics",
                    "ORDERS",
                    SchemaKind.ViewOnly,
                    every("PT1H"),
                    Map.of("ADMIN", List.of("ALL PRIVILEGES")),
                    List.of("RAW"),
                    true)));

    assertThat(config.effectivePolicy("orders"))
        .isEqualTo(
            new SchemaPolicy(
                "ORDERS",
                SchemaKind.ViewOnly,
                ConfigMapper.refreshPolicy(every("PT1H"), "spec.refresh"),
                Map.of("ADMIN", List.of("ALL PRIVILEGES")),
                List.of("RAW"),
                true));
    assertThat(config.effectivePolicy("MARTS"))
        .isEqualTo(
            new SchemaPolicy(
                "MARTS",
                null,
                ConfigMapper.refreshPolicy(every("P1D"), "spec.defaults.refresh"),
                Map.of("READER", List.of("SELECT")),
                null,
                false));

    OperatorConfig overridden =
        ConfigMapper.map(
            project(every("PT5M"), null, null), List.of(schema("ORDERS", every("PT1H"))));
    assertThat(overridden.effectivePolicy("ORDERS").refresh())
        .isEqualTo(ConfigMapper.refreshPolicy(every("PT5M"), "spec.refresh"));
  }

  @Test
  void rejectsBadCadences() {
    assertThatThrownBy(() -> ConfigMapper.refreshPolicy(every("PT6X"), "spec.refresh"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "spec.refresh.every: \"PT6X\" is not an ISO-8601 duration (examples: PT30M, PT6H,"
                + " P1D)");
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    new RefreshSpec(null, "0 6 * *", null, null, null), "spec.refresh"))
        .hasMessage(
            "spec.refresh.fullRefreshEvery: \"0 6 * *\" is neither an ISO-8601 duration nor a"
                + " 5-field cron expression");
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    new RefreshSpec(null, null, "0 25 * * *", null, null), "spec.refresh"))
        .hasMessage(
            "spec.refresh.snapshotEvery: \"0 25 * * *\" is not a valid cron expression: Value 25 not"
                + " in range [0, 23]");
    assertThatThrownBy(() -> ConfigMapper.refreshPolicy(every(""), "spec.refresh"))
        .hasMessage("spec.refresh.every: must not be empty");
  }

  @Test
  void rejectsUnknownTimeZone() {
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    new RefreshSpec("PT1H", null, null, "Mars/Olympus", null), "spec.refresh"))
        .isInstanceOf(PlanException.class)
        .hasMessage("spec.refresh.timeZone: unknown time zone \"Mars/Olympus\"");
  }

  @Test
  void rejectsBadConditions() {
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    conditions(
                        new RefreshSpec.Conditions(null, window("24:00", "06:00"), null, null)),
                    "spec.refresh"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "spec.refresh.conditions.window.start: \"24:00\" is not a time of day \"HH:mm\""
                + " (00:00 to 23:59)");
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    conditions(new RefreshSpec.Conditions(null, window("22:00", null), null, null)),
                    "spec.refresh"))
        .hasMessage("spec.refresh.conditions.window.end: required");
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    conditions(new RefreshSpec.Conditions(null, null, null, "6:30")),
                    "spec.refresh"))
        .hasMessage(
            "spec.refresh.conditions.upstreamRefreshedSince: \"6:30\" is not a time of day"
                + " \"HH:mm\" (00:00 to 23:59)");
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    conditions(new RefreshSpec.Conditions(null, null, "4h", null)), "spec.refresh"))
        .hasMessage(
            "spec.refresh.conditions.minInterval: \"4h\" is not an ISO-8601 duration (examples:"
                + " PT30M, PT6H, P1D)");
    assertThatThrownBy(
            () ->
                ConfigMapper.refreshPolicy(
                    conditions(new RefreshSpec.Conditions(null, null, "-PT1H", null)),
                    "spec.refresh"))
        .hasMessage("spec.refresh.conditions.minInterval: \"-PT1H\" must be a positive duration");
  }

  @Test
  void rejectsBadIdentifiersAndPrivileges() {
    assertThatThrownBy(() -> ConfigMapper.schemaPolicy(schema("my-schema", null), "spec"))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "spec.schema: \"my-schema\" is not an identifier (letters, digits, _ and $, not"
                + " starting with a digit)");
    assertThatThrownBy(() -> ConfigMapper.schemaPolicy(schema(null, null), "spec"))
        .hasMessage("spec.schema: required");
    assertThatThrownBy(
            () ->
                ConfigMapper.schemaPolicy(
                    new DbtSchemaSpec(
                        null, "ORDERS", null, null, null, List.of("RAW", "1STAGE"), false),
                    "spec"))
        .hasMessage(
            "spec.dependsOn[1]: \"1STAGE\" is not an identifier (letters, digits, _ and $, not"
                + " starting with a digit)");
    assertThatThrownBy(() -> ConfigMapper.schemaPolicy(grants("bad role", "SELECT"), "spec"))
        .hasMessage(
            "spec.grants: \"bad role\" is not an identifier (letters, digits, _ and $, not"
                + " starting with a digit)");
    assertThatThrownBy(() -> ConfigMapper.schemaPolicy(grants("ANALYST", "SELECT; DROP"), "spec"))
        .hasMessage(
            "spec.grants.ANALYST[0]: \"SELECT; DROP\" is not a privilege (words such as SELECT or"
                + " REFERENCES)");
    assertThatThrownBy(
            () ->
                ConfigMapper.schemaPolicy(
                    new DbtSchemaSpec(
                        null, "ORDERS", null, null, Map.of("ANALYST", List.of()), null, false),
                    "spec"))
        .hasMessage("spec.grants.ANALYST: list at least one privilege");
  }

  @Test
  void namesTheSchemaOfABadResourceAndRejectsDuplicates() {
    assertThatThrownBy(
            () ->
                ConfigMapper.map(
                    project(null, null, null), List.of(schema("ORDERS", every("PT6X")))))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "DbtSchema for schema ORDERS: spec.refresh.every: \"PT6X\" is not an ISO-8601"
                + " duration (examples: PT30M, PT6H, P1D)");
    assertThatThrownBy(
            () ->
                ConfigMapper.map(
                    project(null, null, null),
                    List.of(schema("ORDERS", null), schema("orders", null))))
        .hasMessage("schema orders is declared by more than one DbtSchema resource");
    assertThatThrownBy(
            () ->
                ConfigMapper.map(
                    project(null, new DbtProjectSpec.Defaults(every("P1X"), null), null),
                    List.of()))
        .hasMessage(
            "spec.defaults.refresh.every: \"P1X\" is not an ISO-8601 duration (examples: PT30M,"
                + " PT6H, P1D)");
  }

  private static RefreshSpec conditions(RefreshSpec.Conditions conditions) {
    return new RefreshSpec("PT1H", null, null, null, conditions);
  }

  private static RefreshSpec.Window window(String start, String end) {
    return new RefreshSpec.Window(start, end);
  }

  private static DbtSchemaSpec grants(String role, String privilege) {
    return new DbtSchemaSpec(
        null, "ORDERS", null, null, Map.of(role, List.of(privilege)), null, false);
  }
}
