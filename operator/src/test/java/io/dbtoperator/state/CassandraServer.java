package io.dbtoperator.state;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.dbtoperator.FreePort;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node Cassandra 5.0 server in a separate JVM, for integration tests. The server's
 * classpath is resolved by Maven from src/test/cassandra/pom.xml rather than put on the test
 * classpath, whose Guava, Netty and logging versions it would clash with.
 *
 * <p>Register {@link Extension} on a test class: the first class starts the server, all classes of
 * the run share it, and JUnit stops it when the run ends.
 */
final class CassandraServer implements AutoCloseable {

  static final String DATACENTER = "datacenter1";
  private static final Path SERVER_POM = Path.of("src/test/cassandra/pom.xml");
  private static final Path CLASSPATH_FILE = Path.of("target/cassandra-server-classpath.txt");
  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(4);

  private final Process process;
  private final Path directory;
  private final int nativePort;
  private final Duration startupTime;

  private CassandraServer(Process process, Path directory, int nativePort, Duration startupTime) {
    this.process = process;
    this.directory = directory;
    this.nativePort = nativePort;
    this.startupTime = startupTime;
  }

  /** Shares one server across all test classes of a run. */
  static final class Extension implements BeforeAllCallback {
    private CassandraServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
      server =
          context
              .getRoot()
              .getStore(ExtensionContext.Namespace.GLOBAL)
              .getOrComputeIfAbsent(
                  CassandraServer.class, key -> CassandraServer.start(), CassandraServer.class);
    }

    CassandraServer server() {
      return server;
    }
  }

  int nativePort() {
    return nativePort;
  }

  Duration startupTime() {
    return startupTime;
  }

  CassandraSettings settings(String keyspace) {
    return CassandraSettings.cassandra(
        List.of(new CassandraSettings.ContactPoint("127.0.0.1", nativePort)),
        DATACENTER,
        keyspace,
        null,
        null);
  }

  /** A plain driver session for looking at the tables directly. */
  CqlSession session() {
    return CqlSession.builder()
        .addContactPoint(new InetSocketAddress("127.0.0.1", nativePort))
        .withLocalDatacenter(DATACENTER)
        .withConfigLoader(
            DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
                .build())
        .build();
  }

  static CassandraServer start() {
    try {
      List<String> classpath = resolveClasspath();
      Path directory = Files.createTempDirectory("cassandra-it-");
      int nativePort = FreePort.pick();
      int storagePort = FreePort.pick();
      Files.writeString(
          directory.resolve("cassandra.yaml"), yaml(directory, storagePort, nativePort));
      Files.writeString(directory.resolve("logback.xml"), LOGBACK);
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(
          List.of(
              "-Xms256m",
              "-Xmx1g",
              "-Xss512k",
              // C1 only: the server lives for one test run, so startup beats peak throughput.
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-XX:+ExitOnOutOfMemoryError"));
      command.addAll(jvm17Options());
      command.addAll(
          List.of(
              "-Dcassandra.config=" + directory.resolve("cassandra.yaml").toUri(),
              "-Dcassandra-foreground=yes",
              "-Dcassandra.storagedir=" + directory,
              "-Dlogback.configurationFile=" + directory.resolve("logback.xml"),
              // A single fresh node has no gossip to wait for, no ring to settle, no peers.
              "-Dcassandra.skip_wait_for_gossip_to_settle=0",
              "-Dcassandra.ring_delay_ms=0",
              "-Dcassandra.superuser_setup_delay_ms=0",
              "-Dcassandra.initial_token=0",
              "-Dcassandra.skip_sync=true",
              // Each test creates a keyspace; flushing schema tables on every DDL is what makes
              // that slow, and this throwaway node needs no durability.
              "-Dcassandra.test.flush_local_schema_changes=false",
              "-cp",
              String.join(java.io.File.pathSeparator, classpath),
              "org.apache.cassandra.service.CassandraDaemon"));
      long started = System.nanoTime();
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(directory.resolve("cassandra.log").toFile())
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      awaitCql(process, directory, nativePort);
      Duration startupTime = Duration.ofNanos(System.nanoTime() - started);
      System.out.printf(
          "Cassandra started on 127.0.0.1:%d in %d ms (log %s)%n",
          nativePort, startupTime.toMillis(), directory.resolve("cassandra.log"));
      return new CassandraServer(process, directory, nativePort, startupTime);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Cassandra", e);
    }
  }

  /** Runs Maven on the server pom once; later runs reuse the list while the pom is unchanged. */
  private static List<String> resolveClasspath() throws IOException {
    if (!Files.exists(CLASSPATH_FILE)
        || Files.getLastModifiedTime(CLASSPATH_FILE)
                .compareTo(Files.getLastModifiedTime(SERVER_POM))
            < 0) {
      Files.createDirectories(CLASSPATH_FILE.getParent());
      List<String> command = new ArrayList<>(List.of(mavenExecutable(), "-B", "-q"));
      String localRepository = System.getProperty("maven.repo.local");
      if (localRepository != null) {
        command.add("-Dmaven.repo.local=" + localRepository);
      }
      command.addAll(
          List.of(
              "-f",
              SERVER_POM.toString(),
              "dependency:build-classpath",
              "-Dmdep.includeScope=runtime",
              "-Dmdep.outputFile=" + CLASSPATH_FILE.toAbsolutePath()));
      Path log = Files.createTempFile("cassandra-classpath-", ".log");
      Process maven =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        if (!maven.waitFor(10, TimeUnit.MINUTES) || maven.exitValue() != 0) {
          maven.destroyForcibly();
          throw new IllegalStateException(
              "resolving the Cassandra server classpath failed: "
                  + String.join(" ", command)
                  + "\n"
                  + Files.readString(log));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        maven.destroyForcibly();
        throw new IllegalStateException("interrupted while resolving the Cassandra classpath", e);
      }
    }
    String text = Files.readString(CLASSPATH_FILE).strip();
    return List.of(text.split(java.io.File.pathSeparator));
  }

  private static String mavenExecutable() {
    String home = System.getProperty("maven.home");
    if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
      return Path.of(home, "bin", "mvn").toString();
    }
    return "mvn";
  }

  private static List<String> jvm17Options() throws IOException {
    try (InputStream in =
        CassandraServer.class.getResourceAsStream("/cassandra/jvm17-server.options")) {
      if (in == null) {
        throw new IllegalStateException("resource /cassandra/jvm17-server.options is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .toList();
    }
  }

  private static void awaitCql(Process process, Path directory, int nativePort) {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    RuntimeException lastFailure = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Cassandra exited with code "
                + process.exitValue()
                + " during startup:\n"
                + logTail(directory));
      }
      if (acceptsConnections(nativePort)) {
        try (CqlSession session =
            CqlSession.builder()
                .addContactPoint(new InetSocketAddress("127.0.0.1", nativePort))
                .withLocalDatacenter(DATACENTER)
                .build()) {
          session.execute("SELECT release_version FROM system.local");
          return;
        } catch (RuntimeException notYet) {
          // The native port opens shortly before the node serves queries; try again.
          lastFailure = notYet;
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Cassandra", e);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "Cassandra did not accept CQL within " + STARTUP_TIMEOUT + ":\n" + logTail(directory),
        lastFailure);
  }

  private static boolean acceptsConnections(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String logTail(Path directory) {
    try {
      List<String> lines = Files.readAllLines(directory.resolve("cassandra.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String yaml(Path directory, int storagePort, int nativePort) {
    return """
        cluster_name: dbt-operator-it
        num_tokens: 1
        initial_token: 0
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        endpoint_snitch: SimpleSnitch
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "127.0.0.1:%2$d"
        listen_address: 127.0.0.1
        rpc_address: 127.0.0.1
        storage_port: %2$d
        native_transport_port: %3$d
        start_native_transport: true
        data_file_directories: [%1$s/data]
        commitlog_directory: %1$s/commitlog
        saved_caches_directory: %1$s/saved_caches
        hints_directory: %1$s/hints
        cdc_raw_directory: %1$s/cdc_raw
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        auto_snapshot: false
        snapshot_before_compaction: false
        concurrent_compactors: 1
        hinted_handoff_enabled: false
        # Several tests race lightweight transactions on 2 shared cores.
        cas_contention_timeout: 10000ms
        write_request_timeout: 10000ms
        read_request_timeout: 10000ms
        """
        .formatted(directory, storagePort, nativePort);
  }

  private static final String LOGBACK =
      """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} %msg%n</pattern></encoder>
        </appender>
        <root level="INFO"><appender-ref ref="OUT"/></root>
      </configuration>
      """;

  @Override
  public void close() throws IOException, InterruptedException {
    // Killed rather than drained: its data directory is deleted right after.
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path each : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(each);
      }
    }
  }
}
