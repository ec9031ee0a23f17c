package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What /readyz says before the SDK has started and once stopping; no API server is contacted. */
class OperatorReadinessTest {
  private final KubernetesClient client =
      new KubernetesClientBuilder()
          .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())
          .build();
  private final Operator operator = new Operator(o -> o.withKubernetesClient(client));

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void notReadyUntilTheSdkHasStarted() {
    assertThat(OperatorCommand.notReady(operator, new AtomicBoolean()))
        .hasValue("starting: informers are syncing");
  }

  @Test
  void notReadyOnceStopping() {
    assertThat(OperatorCommand.notReady(operator, new AtomicBoolean(true))).hasValue("stopping");
  }
}
