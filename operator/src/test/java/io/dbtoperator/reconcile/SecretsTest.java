package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** A pass reads each Secret it needs once, whatever it takes from it (the benchmark found two). */
@EnableKubernetesMockClient(crud = true)
class SecretsTest {
  private static final String NS = "data";

  KubernetesClient client;
  KubernetesMockServer server;

  @Test
  void aRequiredKeyAndMoreKeysOfTheSameSecretTakeOneRead() {
    createSecret(
        new SecretBuilder().addToData("password", base64("pw-1")).addToStringData("token", "tk-1"));
    int before = server.getRequestCount();

    Secrets secrets = new Secrets(client, NS);
    String password = secrets.require("shop-pg", "password", "spec.warehouse.secretRef");
    String token = secrets.require("shop-pg", "token", "spec.git.secretRef");

    assertThat(password).isEqualTo("pw-1");
    assertThat(token).isEqualTo("tk-1");
    assertThat(secrets.value("shop-pg", "nope")).isEmpty();
    assertThat(server.getRequestCount() - before).as("GETs of the Secret").isEqualTo(1);
  }

  @Test
  void aMissingSecretIsReadOnceAndNamedWithItsField() {
    int before = server.getRequestCount();
    Secrets secrets = new Secrets(client, NS);

    assertThat(secrets.bytes("gone", "password")).isEmpty();
    assertThatThrownBy(() -> secrets.require("gone", "password", "spec.warehouse.secretRef"))
        .isInstanceOf(SpecProblem.class)
        .hasMessage("spec.warehouse.secretRef: secret \"gone\" not found");
    assertThat(server.getRequestCount() - before).isEqualTo(1);
  }

  @Test
  void aNewPassReadsTheSecretAfresh() {
    createSecret(new SecretBuilder().addToData("password", base64("pw-1")));
    assertThat(new Secrets(client, NS).require("shop-pg", "password", "f")).isEqualTo("pw-1");

    client
        .secrets()
        .inNamespace(NS)
        .withName("shop-pg")
        .edit(s -> new SecretBuilder(s).addToData("password", base64("pw-2")).build());

    assertThat(new Secrets(client, NS).require("shop-pg", "password", "f")).isEqualTo("pw-2");
  }

  private void createSecret(SecretBuilder secret) {
    client
        .resource(
            secret.withNewMetadata().withName("shop-pg").withNamespace(NS).endMetadata().build())
        .create();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
