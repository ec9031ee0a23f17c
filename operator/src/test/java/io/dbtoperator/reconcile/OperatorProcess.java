package io.dbtoperator.reconcile;

import io.dbtoperator.FreePort;
import io.dbtoperator.run.PostgresHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The operator as its own process, from the built jar, as a cluster would run it. */
final class OperatorProcess implements AutoCloseable {
  static final String IMAGE = "dbt-operator:it";

  private final Process process;
  private final Path log;
  private final int metricsPort;

  private OperatorProcess(Process process, Path log, int metricsPort) {
    this.process = process;
    this.log = log;
    this.metricsPort = metricsPort;
  }

  static Path jar() {
    Path jar = PostgresHarness.repositoryRoot().resolve("operator/target/dbt-operator.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run mvn package first");
    }
    return jar;
  }

  static OperatorProcess start(Path kubeconfig, Path workDir, Path log, String... extra) {
    return start(kubeconfig, workDir, log, java.util.Map.of(), extra);
  }

  static OperatorProcess start(
      Path kubeconfig,
      Path workDir,
      Path log,
      java.util.Map<String, String> environment,
      String... extra) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "java",
                "-Xmx512m",
                "-jar",
                jar().toString(),
                "operator",
                "--work-dir",
                workDir.toString(),
                "--image",
                IMAGE,
                "--threads",
                "2"));
    // Tests run several operators at once (failover), and 8080 may be taken on the machine.
    int metricsPort = FreePort.pick();
    command.addAll(List.of("--metrics-port", Integer.toString(metricsPort)));
    command.addAll(List.of(extra));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().putAll(environment);
    try {
      return new OperatorProcess(builder.start(), log, metricsPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the operator", e);
    }
  }

  /** GET of a path of the operator's metrics and probes server: the status and the body. */
  HttpResponse<String> http(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** SIGTERM, as the kubelet stops a pod; the shutdown hook runs. */
  void terminate() {
    process.destroy();
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the process to end by itself, e.g. killed by its test kill switch. */
  boolean awaitExit(java.time.Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs, as when a node dies. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      kill();
    }
  }
}
