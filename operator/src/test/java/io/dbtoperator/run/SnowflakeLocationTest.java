package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.Golden;
import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import io.dbtoperator.plan.PlanException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnowflakeLocationTest {
  private static final String KEY_FILE = "src/test/resources/snowflake/test-key-des3.p8";
  private static final String PASSPHRASE = "test-only-passphrase";
  private static final Map<String, String> KEY_ENV =
      Map.of(
          "SNOWFLAKE_PRIVATE_KEY_PATH", KEY_FILE, "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", PASSPHRASE);

  @Test
  void readsAccountDatabaseAndParametersWithTheKeyFromTheEnvironment() {
    SnowflakeTarget target =
        (SnowflakeTarget)
            WarehouseLocation.open(
                    "snowflake://myorg-acct/ANALYTICS?user=DBT_OPERATOR&warehouse=TRANSFORMING"
                        + "&role=DBT_OPERATOR_ROLE&schema=staging",
                    KEY_ENV::get)
                .target();

    assertThat(target.type()).isEqualTo("snowflake");
    assertThat(target.settings().account()).isEqualTo("myorg-acct");
    assertThat(target.settings().database()).isEqualTo("ANALYTICS");
    assertThat(target.settings().user()).isEqualTo("DBT_OPERATOR");
    assertThat(target.settings().warehouse()).isEqualTo("TRANSFORMING");
    assertThat(target.settings().role()).isEqualTo("DBT_OPERATOR_ROLE");
    assertThat(target.settings().authentication()).isEqualTo(SnowflakeAuthentication.keyPair);
    assertThat(target.settings().privateKeyPem()).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY");
    assertThat(target.settings().passphrase()).isEqualTo(PASSPHRASE);
    assertThat(target.settings().serverUrl()).isNull();
    assertThat(target.settings().queryTags()).isTrue();
    assertThat(target.profileSchema()).isEqualTo("staging");
    assertThat(target.settings().toString()).doesNotContain(PASSPHRASE).doesNotContain("BEGIN");
  }

  @Test
  void pointsAtAnEmulatorWithHostPortAndProtocol() {
    SnowflakeTarget target =
        SnowflakeLocation.parse(
            "snowflake://fake/DB?user=u&host=127.0.0.1&port=8765&protocol=http&query_tag=off"
                + "&login_timeout=3",
            Map.of("SNOWFLAKE_PASSWORD", "pw")::get);

    assertThat(target.settings().serverUrl()).isEqualTo("http://127.0.0.1:8765");
    assertThat(target.settings().authentication()).isEqualTo(SnowflakeAuthentication.password);
    assertThat(target.settings().password()).isEqualTo("pw");
    assertThat(target.settings().queryTags()).isFalse();
    assertThat(target.settings().loginTimeout()).hasSeconds(3);
    assertThat(target.profileSchema()).isEqualTo("public");
  }

  @Test
  void keyPairProfileReferencesTheKeyAndPassphraseOnlyThroughEnvVar() throws Exception {
    SnowflakeTarget target =
        SnowflakeLocation.parse(
            "snowflake://myorg-acct/ANALYTICS?user=DBT_OPERATOR&warehouse=TRANSFORMING"
                + "&role=DBT_OPERATOR_ROLE",
            KEY_ENV::get);

    DbtProfile profile =
        target.profile("shop", 8, "{\"app\":\"dbt-operator\",\"schema\":\"marts\",\"run\":\"r1\"}");

    Golden.assertMatches("snowflake/profile-key-pair.yml", profile.toYaml());
    assertThat(profile.toYaml()).doesNotContain(PASSPHRASE).doesNotContain("BEGIN");
    assertThat(profile.secretEnv())
        .containsOnlyKeys(SnowflakeTarget.PRIVATE_KEY_ENV, SnowflakeTarget.PASSPHRASE_ENV)
        .containsEntry(SnowflakeTarget.PASSPHRASE_ENV, PASSPHRASE);
  }

  @Test
  void passwordProfileForAnEmulatorHasHostPortProtocolAndNoQueryTagWhenOff() throws Exception {
    SnowflakeTarget target =
        SnowflakeLocation.parse(
            "snowflake://fake/DB?user=u&schema=s&host=localhost&port=8765&protocol=http"
                + "&query_tag=off&login_timeout=5",
            Map.of("SNOWFLAKE_PASSWORD", "s3cret")::get);

    DbtProfile profile = target.profile("shop", 2, "{\"run\":\"r1\"}");

    Golden.assertMatches("snowflake/profile-password-emulator.yml", profile.toYaml());
    assertThat(profile.toYaml()).doesNotContain("s3cret").doesNotContain("query_tag");
    assertThat(profile.secretEnv())
        .containsExactly(Map.entry(SnowflakeTarget.PASSWORD_ENV, "s3cret"));
  }

  @Test
  void badInputGetsOneLineNamingTheOption() {
    Map<String, String> password = Map.of("SNOWFLAKE_PASSWORD", "Hunter2pw");
    Map<String, String[]> cases =
        Map.ofEntries(
            Map.entry(
                "snowflake://acct/DB",
                new String[] {"--warehouse: the user is required: snowflake://"}),
            Map.entry(
                "snowflake://acct?user=u",
                new String[] {"--warehouse \"snowflake://acct?user=u\": account and database"}),
            Map.entry(
                "snowflake://u:Hunter2pw@acct/DB",
                new String[] {"--warehouse: give the user as ?user=U"}),
            Map.entry(
                "snowflake://acct/DB?user=u&colour=red",
                new String[] {"--warehouse: unknown parameter \"colour\""}),
            Map.entry(
                "snowflake://acct/my-db?user=u",
                new String[] {"--warehouse: database: \"my-db\" is not a valid identifier"}),
            Map.entry(
                "snowflake://acct/DB?user=u&role=a;drop", new String[] {"--warehouse: role:"}),
            Map.entry(
                "snowflake://acct/DB?user=u&host=h&protocol=ftp",
                new String[] {"--warehouse: protocol: \"ftp\" is not http or https"}),
            Map.entry(
                "snowflake://acct/DB?user=u&host=h&port=99999",
                new String[] {"--warehouse: port: \"99999\" is not a port"}),
            Map.entry(
                "snowflake://acct/DB?user=u&port=1",
                new String[] {"--warehouse: port and protocol need host"}),
            Map.entry(
                "snowflake://acct/DB?user=u&login_timeout=soon",
                new String[] {"--warehouse: login_timeout: \"soon\" is not a positive number"}));
    cases.forEach(
        (location, expected) ->
            assertThatThrownBy(() -> SnowflakeLocation.parse(location, password::get))
                .as(location)
                .isInstanceOf(PlanException.class)
                .hasMessageStartingWith(expected[0])
                .hasMessageNotContaining("Hunter2pw")
                .hasMessageNotContaining("\n")
                .hasMessageNotContaining("Exception"));
  }

  @Test
  void credentialsMissingOrUnreadableAreNamedByTheirVariable() {
    assertThatThrownBy(
            () ->
                SnowflakeLocation.parse(
                    "snowflake://acct/DB?user=u", Map.<String, String>of()::get))
        .hasMessage(
            "--warehouse: snowflake needs SNOWFLAKE_PRIVATE_KEY_PATH (a PKCS8 PEM file, with"
                + " SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if encrypted) or SNOWFLAKE_PASSWORD in the"
                + " environment");
    assertThatThrownBy(
            () ->
                SnowflakeLocation.parse(
                    "snowflake://acct/DB?user=u",
                    Map.of("SNOWFLAKE_PRIVATE_KEY_PATH", "/no/such/key.p8")::get))
        .hasMessage("--warehouse: SNOWFLAKE_PRIVATE_KEY_PATH: cannot read \"/no/such/key.p8\"");
    assertThatThrownBy(
            () ->
                SnowflakeLocation.parse(
                    "snowflake://acct/DB?user=u",
                    Map.of("SNOWFLAKE_PRIVATE_KEY_PATH", KEY_FILE)::get))
        .hasMessageStartingWith(
            "--warehouse: SNOWFLAKE_PRIVATE_KEY_PATH: the private key is encrypted but no"
                + " passphrase was given");
    assertThatThrownBy(
            () ->
                SnowflakeLocation.parse(
                    "snowflake://acct/DB?user=u",
                    Map.of(
                            "SNOWFLAKE_PRIVATE_KEY_PATH",
                            KEY_FILE,
                            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
                            "wrong-Hunter2pw")
                        ::get))
        .hasMessage(
            "--warehouse: SNOWFLAKE_PRIVATE_KEY_PATH: cannot decrypt the private key: wrong"
                + " passphrase or unsupported encryption")
        .hasMessageNotContaining("Hunter2pw");
  }
}
