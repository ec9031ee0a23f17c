package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dbtoperator.FreePort;
import io.dbtoperator.run.PostgresHarness;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * fakesnow in server mode on a free loopback port, from .venv-fakesnow (installed first by
 * scripts/setup-fakesnow.sh if needed). Its output goes to operator/target/fakesnow-NAME.log.
 */
public final class FakesnowServer implements AutoCloseable {
  private final Process process;
  private final int port;

  private FakesnowServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static FakesnowServer start(String name) throws Exception {
    Path root = PostgresHarness.repositoryRoot();
    Path setupLog = root.resolve("operator/target/setup-fakesnow.log");
    Process setup =
        new ProcessBuilder("bash", "scripts/setup-fakesnow.sh")
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(setupLog.toFile())
            .start();
    assertThat(setup.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(setup.exitValue()).as(Files.readString(setupLog)).isZero();

    int port = FreePort.pick();
    Process process =
        new ProcessBuilder(
                root.resolve(".venv-fakesnow/bin/fakesnow").toString(),
                "--server",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("operator/target/fakesnow-" + name + ".log").toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> accepts(port));
    return new FakesnowServer(process, port);
  }

  public int port() {
    return port;
  }

  /** Where snowflake-jdbc connects, for {@link SnowflakeSettings#serverUrl()}. */
  public String serverUrl() {
    return "http://127.0.0.1:" + port;
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
