package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.Golden;
import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the pod, CronJob and Role the operator generates for the example project against golden
 * files, and checks the properties that matter whatever the layout: Pod Security "restricted",
 * secrets only by reference, arguments only for dbt.
 */
class GeneratedResourcesTest {
  private static final String PASSWORD = "s3cr3t-never-printed";

  static DbtProject example() throws IOException {
    try (InputStream in =
        Files.newInputStream(Path.of("../examples/02-snowflake/dbtproject.yaml"))) {
      DbtProject project = Serialization.unmarshal(in, DbtProject.class);
      project.getMetadata().setUid("0b7c5a39-5f3e-4d8e-9a63-2f1c0d4e8a11");
      return project;
    }
  }

  static RunPods.Spec spec() throws IOException {
    return new RunPods.Spec(
        "analytics-marts-20261123080000-3f2a9c41-d",
        "MARTS",
        "20261123080000-3f2a9c41-d",
        "3f2a9c41d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f",
        "dbt_operator_profile:\n  target: dbt_operator\n  outputs:\n    dbt_operator:\n      password: \"{{ env_var('DBT_OPERATOR_PG_PASSWORD') }}\"\n",
        "dbt_operator",
        List.of(
            List.of("build", "--select", "shop.marts.orders", "shop.marts.customers"),
            List.of("snapshot", "--select", "shop.snapshots.orders_snapshot")),
        Map.of("DBT_OPERATOR_PG_PASSWORD", new RunPods.SecretKey("analytics-pg", "password")),
        Map.of(
            "macros/dbt_operator__staging_redirect.sql",
            "{% macro generate_schema_name() %}{% endmacro %}\n"),
        true,
        "ghcr.io/dbt-operator/dbt-operator:0.1.0",
        21600,
        null,
        PodArtifacts.upload(
            example(),
            "upload-run-artifacts",
            List.of(
                "--schema",
                "MARTS",
                "--run",
                "20261123080000-3f2a9c41-d",
                "--run-dir",
                RunPods.RUN_DIR)),
        null);
  }

  @Test
  void runPodMatchesGoldenAndIsRestricted() throws IOException {
    Pod pod = RunPods.pod(example(), spec());
    Golden.assertMatches("k8s/run-pod.yaml", Serialization.asYaml(pod));

    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(21600L);
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    List<Container> containers = new ArrayList<>(pod.getSpec().getInitContainers());
    containers.addAll(pod.getSpec().getContainers());
    assertThat(containers)
        .extracting(Container::getName)
        .containsExactly("checkout", "artifacts", "dbt-1-deps", "dbt-2-build", "dbt");
    assertThat(RunPods.dbtContainers(pod)).containsExactly("dbt-1-deps", "dbt-2-build", "dbt");
    for (Container container : containers) {
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(container.getCommand()).as("arguments only, never a shell line").isEmpty();
      // Literal values are settings, never secrets: those come from Secret references.
      Map<String, String> literal = new java.util.HashMap<>();
      container.getEnv().stream()
          .filter(e -> e.getValue() != null)
          .forEach(e -> literal.put(e.getName(), e.getValue()));
      if (container.getImage().startsWith("ghcr.io/dbt-operator/")) {
        // Short commands of the operator image: C1 only; the Deployment keeps both compilers.
        assertThat(literal)
            .containsExactly(Map.entry("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1"));
      } else {
        assertThat(literal).containsOnlyKeys("DBT_SEND_ANONYMOUS_USAGE_STATS");
      }
    }
    Container artifacts = containers.get(1);
    assertThat(artifacts.getRestartPolicy()).as("a native sidecar").isEqualTo("Always");
    assertThat(artifacts.getImage()).isEqualTo("ghcr.io/dbt-operator/dbt-operator:0.1.0");
    assertThat(artifacts.getArgs())
        .startsWith(
            "upload-run-artifacts",
            "--artifacts",
            "s3://analytics-dbt-artifacts/prod/?region=eu-west-1")
        .contains("--run-dir", "/workspace/run");
    assertThat(artifacts.getEnv())
        .filteredOn(e -> e.getValueFrom() != null)
        .extracting(e -> e.getName() + "=" + e.getValueFrom().getSecretKeyRef().getName())
        .containsExactly("AWS_ACCESS_KEY_ID=analytics-s3", "AWS_SECRET_ACCESS_KEY=analytics-s3");
    assertThat(artifacts.getVolumeMounts())
        .singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
    for (Container other : containers) {
      if (other != artifacts) {
        assertThat(other.getEnv()).noneMatch(e -> e.getName().startsWith("AWS_"));
      }
    }
    Container dbt = containers.get(4);
    assertThat(dbt.getImage()).isEqualTo("ghcr.io/dbt-labs/dbt-snowflake:1.9.latest");
    assertThat(dbt.getArgs()).startsWith("--log-format", "json", "--no-use-colors", "snapshot");
    assertThat(dbt.getArgs()).contains("--project-dir", "/workspace/repo/dbt");
    assertThat(dbt.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("DBT_OPERATOR_PG_PASSWORD");
              assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("analytics-pg");
            });
    assertThat(dbt.getEnvFrom())
        .singleElement()
        .satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("analytics-env"));
    assertThat(Serialization.asYaml(pod)).doesNotContain(PASSWORD);
  }

  @Test
  void parsePodUploadsTheManifestAfterDbtParse() throws IOException {
    RunPods.Spec parse =
        new RunPods.Spec(
            "analytics-parse-3f2a9c41d0e1",
            "parse",
            "parse-3f2a9c41d0e1",
            "3f2a9c41d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f",
            "dbt_operator_profile: {}\n",
            "dbt_operator",
            List.of(List.of("parse")),
            Map.of("DBT_OPERATOR_PG_PASSWORD", new RunPods.SecretKey("analytics-pg", "password")),
            Map.of(),
            true,
            "ghcr.io/dbt-operator/dbt-operator:0.1.0",
            3600,
            new RunPods.Upload(
                List.of("upload-manifest", "--artifacts", "s3://analytics-dbt-artifacts/prod/"),
                Map.of("AWS_ACCESS_KEY_ID", new RunPods.SecretKey("analytics-s3", "accessKeyId"))),
            null,
            new RunPods.Upload(
                List.of(
                    "restore-partial-parse",
                    "--artifacts",
                    "s3://analytics-dbt-artifacts/prod/",
                    "--key",
                    "0123456789abcdef0123456789abcdef01234567",
                    "--dest",
                    RunPods.RUN_DIR + "/target"),
                Map.of("AWS_ACCESS_KEY_ID", new RunPods.SecretKey("analytics-s3", "accessKeyId"))));
    Pod pod = RunPods.pod(example(), parse);
    Golden.assertMatches("k8s/parse-pod.yaml", Serialization.asYaml(pod));
    assertThat(pod.getSpec().getInitContainers())
        .extracting(Container::getName)
        .containsExactly("checkout", "restore", "dbt-1-deps", "dbt");
    // dbt parses from the restored state: partial parsing is on in the parse pod only.
    assertThat(pod.getSpec().getInitContainers().get(3).getArgs())
        .contains("--partial-parse")
        .doesNotContain("--no-partial-parse");
    assertThat(RunPods.pod(example(), spec()).getSpec().getInitContainers().get(2).getArgs())
        .contains("--no-partial-parse");
    Container upload = pod.getSpec().getContainers().get(0);
    assertThat(upload.getName()).isEqualTo("upload");
    assertThat(upload.getImage()).isEqualTo("ghcr.io/dbt-operator/dbt-operator:0.1.0");
    assertThat(upload.getEnv())
        .filteredOn(e -> e.getValueFrom() != null)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("analytics-s3"));
    assertThat(RunPods.dbtContainers(pod)).containsExactly("dbt-1-deps", "dbt");
  }

  @Test
  void podAnnotationsHoldTheProfileAndOverlayButNoSecretAndTheConfigVolumeLaysThemOut()
      throws IOException {
    Pod pod = RunPods.pod(example(), spec());
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    assertThat(annotations)
        .containsOnlyKeys("run.dbtoperator.io/profiles.yml", "run.dbtoperator.io/overlay-0");
    assertThat(annotations.get("run.dbtoperator.io/profiles.yml"))
        .contains("env_var('DBT_OPERATOR_PG_PASSWORD')");
    var config =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("config"))
            .findFirst()
            .orElseThrow()
            .getDownwardAPI();
    assertThat(config.getItems())
        .extracting(item -> item.getPath() + " <- " + item.getFieldRef().getFieldPath())
        .containsExactly(
            "profiles.yml <- metadata.annotations['run.dbtoperator.io/profiles.yml']",
            "overlay/"
                + spec().overlay().keySet().iterator().next()
                + " <- metadata.annotations['run.dbtoperator.io/overlay-0']");
  }

  @Test
  void clockMayPatchOnlyItsOwnProject() throws IOException {
    DbtProject project = example();
    CronJob cronJob = ClockResources.cronJob(project, "ghcr.io/dbt-operator/dbt-operator:0.1.0");
    Role role = ClockResources.role(project);
    Golden.assertMatches("k8s/clock-cronjob.yaml", Serialization.asYaml(cronJob));
    Golden.assertMatches("k8s/clock-role.yaml", Serialization.asYaml(role));

    assertThat(cronJob.getSpec().getSchedule()).isEqualTo("*/10 * * * *");
    assertThat(
            cronJob
                .getSpec()
                .getJobTemplate()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs())
        .containsExactly("trigger", "--namespace", "data", "--project", "analytics");
    assertThat(role.getRules())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getResources()).containsExactly("dbtprojects");
              assertThat(rule.getResourceNames()).containsExactly("analytics");
              assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "patch");
            });
  }

  @Test
  void namesFitKubernetesLimitsAndStayDistinct() {
    String longSchema = "a_very_long_schema_name_that_goes_on_and_on_and_on_for_ever";
    String first = Labels.name("analytics", longSchema, "20261123080000-3f2a9c41-d");
    String second = Labels.name("analytics", longSchema, "20261123080001-3f2a9c41-d");
    assertThat(first).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(first).isNotEqualTo(second);
    assertThat(Labels.name("Shop", "MARTS")).isEqualTo("shop-marts");
  }
}
