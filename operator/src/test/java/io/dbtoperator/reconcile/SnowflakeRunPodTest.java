package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.Golden;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import io.dbtoperator.run.DbtProfile;
import io.dbtoperator.run.SnowflakeTarget;
import io.dbtoperator.warehouse.SnowflakeSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The run pod of a project on Snowflake: its generated dbt-snowflake profile, and the key and
 * passphrase reaching dbt only as environment variables from the project's Secret.
 */
class SnowflakeRunPodTest {
  private static final String PASSPHRASE = "test-only-passphrase";

  private static final DbtProjectSpec.Warehouse KEY_PAIR =
      new DbtProjectSpec.Warehouse(
          DbtProjectSpec.WarehouseType.snowflake,
          new DbtProjectSpec.Snowflake(
              "myorg-analytics",
              "DBT_OPERATOR",
              "DBT_OPERATOR_ROLE",
              "TRANSFORMING",
              "ANALYTICS",
              "public",
              SnowflakeAuthentication.keyPair),
          null,
          new DbtProjectSpec.WarehouseSecretRef(
              "analytics-snowflake", null, "private-key", "passphrase"));

  @Test
  void runPodTakesKeyAndPassphraseFromTheSecretAndTheProfileNamesTheRun() throws Exception {
    String pem = Files.readString(Path.of("src/test/resources/snowflake/test-key-des3.p8"));
    Map<String, String> secret = Map.of("private-key", pem, "passphrase", PASSPHRASE);
    SnowflakeTarget target =
        new SnowflakeTarget(SnowflakeSettings.fromSpec(KEY_PAIR, secret::get), "public");
    String runId = "20261123080000-3f2a9c41-d";
    DbtProfile profile =
        target.profile(
            "dbt_operator_profile",
            4,
            "{\"app\":\"dbt-operator\",\"project\":\"analytics\",\"schema\":\"MARTS\",\"run\":\""
                + runId
                + "\"}");
    Map<String, RunPods.SecretKey> secretEnv = ProjectBackends.secretEnv(KEY_PAIR);

    RunPods.Spec base = GeneratedResourcesTest.spec();
    Pod pod =
        RunPods.pod(
            GeneratedResourcesTest.example(),
            new RunPods.Spec(
                base.podName(),
                base.schema(),
                base.runId(),
                base.commit(),
                profile.toYaml(),
                DbtProfile.TARGET,
                List.of(List.of("build", "--select", "shop.marts.orders")),
                secretEnv,
                base.overlay(),
                base.deps(),
                base.operatorImage(),
                base.activeDeadlineSeconds(),
                base.upload(),
                base.artifacts(),
                base.restore()));

    Golden.assertMatches("k8s/run-pod-snowflake.yaml", Serialization.asYaml(pod));
    assertThat(secretEnv)
        .containsOnlyKeys(profile.secretEnv().keySet())
        .containsEntry(
            SnowflakeTarget.PRIVATE_KEY_ENV,
            new RunPods.SecretKey("analytics-snowflake", "private-key"))
        .containsEntry(
            SnowflakeTarget.PASSPHRASE_ENV,
            new RunPods.SecretKey("analytics-snowflake", "passphrase"));
    String yaml = Serialization.asYaml(pod);
    assertThat(yaml).doesNotContain(PASSPHRASE).doesNotContain("PRIVATE KEY-----");
    assertThat(yaml).contains("query_tag").contains(runId);
  }

  @Test
  void passwordAuthenticationMapsOnlyThePassword() {
    DbtProjectSpec.Warehouse password =
        new DbtProjectSpec.Warehouse(
            DbtProjectSpec.WarehouseType.snowflake,
            new DbtProjectSpec.Snowflake(
                "acct", "u", null, null, "DB", "public", SnowflakeAuthentication.password),
            null,
            new DbtProjectSpec.WarehouseSecretRef("sf", "password", null, null));

    assertThat(ProjectBackends.secretEnv(password))
        .containsExactly(
            Map.entry(SnowflakeTarget.PASSWORD_ENV, new RunPods.SecretKey("sf", "password")));
  }
}
