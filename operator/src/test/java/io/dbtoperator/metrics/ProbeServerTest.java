package io.dbtoperator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProbeServerTest {
  private final AtomicReference<Optional<String>> notReady =
      new AtomicReference<>(Optional.of("starting: informers are syncing"));
  private final HttpClient http = HttpClient.newHttpClient();
  private ProbeServer server;

  @BeforeEach
  void start() throws Exception {
    server = ProbeServer.start(0, () -> "dbt_operator_up 1.0\n", notReady::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsAreServedInThePrometheusTextFormat() throws Exception {
    HttpResponse<String> response = send("GET", "/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body()).isEqualTo("dbt_operator_up 1.0\n");
  }

  @Test
  void livenessAnswersWhileNotReady() throws Exception {
    assertThat(send("GET", "/healthz").statusCode()).isEqualTo(200);

    HttpResponse<String> ready = send("GET", "/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("not ready: starting: informers are syncing\n");

    notReady.set(Optional.empty());
    assertThat(send("GET", "/readyz").statusCode()).isEqualTo(200);

    notReady.set(Optional.of("stopping"));
    assertThat(send("GET", "/readyz").body()).isEqualTo("not ready: stopping\n");
  }

  @Test
  void onlyTheExactPathsAndReadingMethodsAreServed() throws Exception {
    assertThat(send("GET", "/metrics/extra").statusCode()).isEqualTo(404);
    assertThat(send("GET", "/").statusCode()).isEqualTo(404);
    HttpResponse<String> post = send("POST", "/metrics");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    HttpResponse<String> head = send("HEAD", "/healthz");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }
}
