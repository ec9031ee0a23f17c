package io.dbtoperator.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves {@code /metrics} (Prometheus text format), {@code /healthz} and {@code /readyz} with the
 * JDK's HTTP server. Liveness is this server answering: the process is up and not wedged so far
 * that it cannot serve a request. Readiness is what the supplier says.
 */
public final class ProbeServer implements AutoCloseable {
  /** The text format Micrometer's Prometheus registry writes by default. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private ProbeServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * @param port the port on all interfaces; 0 for a free one
   * @param metrics the scrape, in the Prometheus text format
   * @param notReady why the operator is not ready, or empty when it is
   */
  public static ProbeServer start(
      int port, Supplier<String> metrics, Supplier<Optional<String>> notReady) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    // Two threads, so that a slow scrape does not hold up a probe; daemons, so that they never
    // keep the JVM up.
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "dbt-operator-probes");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.createContext(
        "/metrics", get(exchange -> respond(exchange, 200, PROMETHEUS_TEXT, metrics.get())));
    server.createContext("/healthz", get(exchange -> respond(exchange, 200, "ok\n")));
    server.createContext(
        "/readyz",
        get(
            exchange -> {
              Optional<String> reason = notReady.get();
              if (reason.isPresent()) {
                respond(exchange, 503, "not ready: " + reason.get() + "\n");
              } else {
                respond(exchange, 200, "ok\n");
              }
            }));
    server.start();
    return new ProbeServer(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** Only GET and HEAD; the context's prefix match is narrowed to the exact path. */
  private static HttpHandler get(HttpHandler handler) {
    return exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (!path.equals(exchange.getHttpContext().getPath())) {
          respond(exchange, 404, "not found\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          respond(exchange, 405, "method not allowed\n");
        } else {
          handler.handle(exchange);
        }
      }
    };
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    respond(exchange, status, "text/plain; charset=utf-8", body);
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
