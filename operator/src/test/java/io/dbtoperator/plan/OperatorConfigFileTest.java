package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.api.SchemaKind;
import io.dbtoperator.api.ViewChangePolicy;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigFileTest {
  private static final String FILE = "dbt-operator.yml";

  @Test
  void parsesEverySetting() {
    String yaml =
        """
        viewChangePolicy: FullDeploy
        refresh:
          every: PT12H
        defaults:
          refresh:
            every: 0 6 * * *
            timeZone: Europe/Paris
          grants:
            READER: [SELECT]
        schemas:
          - schema: ORDERS
            kind: Materialized
            refresh:
              every: PT1H
              fullRefreshEvery: P7D
              conditions:
                daysOfWeek: [SATURDAY, SUNDAY]
                window: {start: 22:00, end: 04:00}
                minInterval: PT30M
                upstreamRefreshedSince: 05:30
            grants:
              ANALYST: [SELECT, REFERENCES]
            dependsOn: [RAW]
          - schema: STAGING
            kind: ViewOnly
            suspend: true
        """;

    OperatorConfig config = OperatorConfigFile.parse(yaml, FILE);

    ZoneId paris = ZoneId.of("Europe/Paris");
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
                    CronCadence.parse("0 6 * * *", paris, "test"),
                    null,
                    null,
                    new RefreshConditions(Set.of(), null, null, paris, null, null)),
                Map.of(
                    "ORDERS",
                    new SchemaPolicy(
                        "ORDERS",
                        SchemaKind.Materialized,
                        new RefreshPolicy(
                            new DurationCadence("PT1H", Duration.ofHours(1)),
                            new DurationCadence("P7D", Duration.ofDays(7)),
                            null,
                            new RefreshConditions(
                                Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY),
                                LocalTime.of(22, 0),
                                LocalTime.of(4, 0),
                                null,
                                Duration.ofMinutes(30),
                                LocalTime.of(5, 30))),
                        Map.of("ANALYST", List.of("SELECT", "REFERENCES")),
                        List.of("RAW"),
                        false),
                    "STAGING",
                    new SchemaPolicy("STAGING", SchemaKind.ViewOnly, null, null, null, true)),
                Map.of("READER", List.of("SELECT"))));
  }

  @Test
  void emptyFileMeansNoSettings() {
    assertThat(OperatorConfigFile.parse("", FILE)).isEqualTo(OperatorConfig.EMPTY);
    assertThat(OperatorConfigFile.parse("# nothing yet\n", FILE)).isEqualTo(OperatorConfig.EMPTY);
    assertThat(OperatorConfigFile.parse("schemas: []\n", FILE)).isEqualTo(OperatorConfig.EMPTY);
  }

  @Test
  void namesTheFieldOfABadCadence() {
    String yaml =
        """
        schemas:
          - schema: RAW
          - schema: ORDERS
            refresh:
              every: PT6X
        """;

    assertThatThrownBy(() -> OperatorConfigFile.parse(yaml, FILE))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "dbt-operator.yml: schemas[1].refresh.every: \"PT6X\" is not an ISO-8601 duration"
                + " (examples: PT30M, PT6H, P1D)");
  }

  @Test
  void aCronThatNeverFiresIsAnErrorOfTheFileAndField() {
    String yaml =
        """
        schemas:
          - schema: orders
            refresh:
              fullRefreshEvery: "0 0 31 2 *"
        """;

    assertThatThrownBy(() -> OperatorConfigFile.parse(yaml, FILE))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "dbt-operator.yml: schemas[0].refresh.fullRefreshEvery: \"0 0 31 2 *\" never fires");
  }

  @Test
  void namesTheFieldOfOtherSemanticErrors() {
    assertThatThrownBy(
            () -> OperatorConfigFile.parse("refresh:\n  every: 0 6 * *\n", "analytics/" + FILE))
        .hasMessage(
            "analytics/dbt-operator.yml: refresh.every: \"0 6 * *\" is neither an ISO-8601"
                + " duration nor a 5-field cron expression");
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse(
                    "defaults:\n  refresh:\n    every: PT1H\n    timeZone: Mars/Olympus\n", FILE))
        .hasMessage(
            "dbt-operator.yml: defaults.refresh.timeZone: unknown time zone \"Mars/Olympus\"");
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse(
                    "schemas:\n  - schema: A\n    refresh:\n      conditions:\n"
                        + "        window: {start: '7:00', end: '09:00'}\n",
                    FILE))
        .hasMessage(
            "dbt-operator.yml: schemas[0].refresh.conditions.window.start: \"7:00\" is not a time"
                + " of day \"HH:mm\" (00:00 to 23:59)");
    assertThatThrownBy(() -> OperatorConfigFile.parse("schemas:\n  - schema: my-schema\n", FILE))
        .hasMessage(
            "dbt-operator.yml: schemas[0].schema: \"my-schema\" is not an identifier (letters,"
                + " digits, _ and $, not starting with a digit)");
    assertThatThrownBy(
            () -> OperatorConfigFile.parse("defaults:\n  grants:\n    bad-role: [SELECT]\n", FILE))
        .hasMessage(
            "dbt-operator.yml: defaults.grants: \"bad-role\" is not an identifier (letters,"
                + " digits, _ and $, not starting with a digit)");
    assertThatThrownBy(() -> OperatorConfigFile.parse("schemas:\n  - kind: ViewOnly\n", FILE))
        .hasMessage("dbt-operator.yml: schemas[0].schema: required");
  }

  @Test
  void rejectsProjectRefAndDuplicateSchemas() {
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse(
                    "schemas:\n  - schema: A\n    projectRef: analytics\n", FILE))
        .hasMessage(
            "dbt-operator.yml: schemas[0].projectRef: not allowed in dbt-operator.yml (the file"
                + " belongs to its project)");
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse(
                    "schemas:\n  - schema: A\n    deletionPolicy: Drop\n", FILE))
        .hasMessage(
            "dbt-operator.yml: schemas[0].deletionPolicy: not allowed in dbt-operator.yml (set it"
                + " on the DbtSchema)");
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse(
                    "schemas:\n  - schema: A\n  - schema: B\n  - schema: a\n", FILE))
        .hasMessage("dbt-operator.yml: schemas[2].schema: a is already configured by schemas[0]");
  }

  @Test
  void rejectsUnknownFields() {
    String yaml =
        """
        schemas:
          - schema: RAW
          - schema: ORDERS
            refresh:
              evry: PT1H
        """;

    assertThatThrownBy(() -> OperatorConfigFile.parse(yaml, FILE))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "dbt-operator.yml: schemas[1].refresh.evry: unknown field (expected one of:"
                + " conditions, every, fullRefreshEvery, snapshotEvery, timeZone)");
    assertThatThrownBy(() -> OperatorConfigFile.parse("schema: ORDERS\n", FILE))
        .hasMessage(
            "dbt-operator.yml: schema: unknown field (expected one of: defaults, refresh,"
                + " schemas, viewChangePolicy)");
  }

  @Test
  void rejectsValuesOfTheWrongType() {
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse("schemas:\n  - schema: A\n    kind: Matrialized\n", FILE))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "dbt-operator.yml: schemas[0].kind: \"Matrialized\" is not one of Materialized,"
                + " ViewOnly");
    assertThatThrownBy(
            () -> OperatorConfigFile.parse("schemas:\n  - schema: A\n    suspend: maybe\n", FILE))
        .hasMessage("dbt-operator.yml: schemas[0].suspend: \"maybe\" is not true or false");
    assertThatThrownBy(() -> OperatorConfigFile.parse("schemas:\n  ORDERS: {}\n", FILE))
        .hasMessage("dbt-operator.yml: schemas: expected a list");
    assertThatThrownBy(
            () ->
                OperatorConfigFile.parse(
                    "schemas:\n  - schema: A\n    refresh:\n      conditions:\n"
                        + "        daysOfWeek: [MON]\n",
                    FILE))
        .hasMessage(
            "dbt-operator.yml: schemas[0].refresh.conditions.daysOfWeek[0]: \"MON\" is not one"
                + " of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY");
    assertThatThrownBy(() -> OperatorConfigFile.parse("- just\n- a list\n", FILE))
        .hasMessage("dbt-operator.yml: (top level): expected a mapping");
  }

  @Test
  void rejectsInvalidYaml() {
    assertThatThrownBy(
            () -> OperatorConfigFile.parse("schemas:\n  - schema: A\n   kind: [ViewOnly\n", FILE))
        .isInstanceOf(PlanException.class)
        .hasMessage(
            "dbt-operator.yml: invalid YAML at line 3, column 4: expected <block end>, but found"
                + " '<block mapping start>' (while parsing a block collection started at line 2,"
                + " column 3)");
    assertThatThrownBy(() -> OperatorConfigFile.parse("schemas: [A, B\n", FILE))
        .hasMessage(
            "dbt-operator.yml: invalid YAML at line 2, column 1: expected ',' or ']', but got"
                + " <stream end> (while parsing a flow sequence started at line 1, column 10)");
  }
}
