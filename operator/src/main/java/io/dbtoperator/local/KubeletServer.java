package io.dbtoperator.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The kubelet's HTTPS endpoint, as far as the API server uses it for {@code kubectl logs}: {@code
 * GET /containerLogs/{namespace}/{pod}/{container}} with {@code tailLines}, {@code limitBytes} and
 * {@code follow}. The certificate is self-signed, made at start with the JDK's keytool: the API
 * server verifies kubelet certificates only when it is given a kubelet CA.
 */
final class KubeletServer implements AutoCloseable {

  /** Where a container's output is, and whether more may come. */
  record ContainerLog(Path file, java.util.function.BooleanSupplier running) {}

  interface Logs {
    Optional<ContainerLog> find(String namespace, String pod, String container);
  }

  private static final long FOLLOW_POLL_MILLIS = 200;

  private final HttpsServer server;

  private KubeletServer(HttpsServer server) {
    this.server = server;
  }

  static KubeletServer start(Path dir, String nodeName, Logs logs, ExecutorService executor)
      throws IOException {
    SSLContext ssl = selfSigned(dir, nodeName);
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    server.createContext("/", exchange -> handle(exchange, logs));
    server.setExecutor(executor);
    server.start();
    return new KubeletServer(server);
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void handle(HttpExchange exchange, Logs logs) throws IOException {
    try (exchange) {
      String[] parts = exchange.getRequestURI().getPath().split("/");
      if (!exchange.getRequestMethod().equals("GET")
          || parts.length != 5
          || !parts[1].equals("containerLogs")) {
        reply(exchange, 404, "not found: the local kubelet serves /containerLogs only\n");
        return;
      }
      Optional<ContainerLog> log = logs.find(parts[2], parts[3], parts[4]);
      if (log.isEmpty()) {
        reply(
            exchange,
            404,
            "container "
                + parts[4]
                + " of pod "
                + parts[2]
                + "/"
                + parts[3]
                + " is not on this node\n");
        return;
      }
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      long limit;
      Integer tailLines;
      try {
        limit = Long.parseLong(query.getOrDefault("limitBytes", Long.toString(Long.MAX_VALUE)));
        tailLines =
            query.containsKey("tailLines") ? Integer.parseInt(query.get("tailLines")) : null;
      } catch (NumberFormatException e) {
        reply(exchange, 400, "limitBytes and tailLines must be numbers: " + e.getMessage() + "\n");
        return;
      }
      boolean follow = Boolean.parseBoolean(query.getOrDefault("follow", "false"));
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, 0);
      stream(log.get(), tailLines, limit, follow, exchange.getResponseBody());
    }
  }

  private static void stream(
      ContainerLog log, Integer tailLines, long limit, boolean follow, OutputStream out)
      throws IOException {
    long position = 0;
    if (tailLines != null && Files.exists(log.file())) {
      position = tailStart(log.file(), tailLines);
    }
    long sent = 0;
    byte[] buffer = new byte[8192];
    while (sent < limit) {
      boolean mayGrow = log.running().getAsBoolean();
      int n = 0;
      if (Files.exists(log.file())) {
        try (RandomAccessFile file = new RandomAccessFile(log.file().toFile(), "r")) {
          file.seek(position);
          n = file.read(buffer, 0, (int) Math.min(buffer.length, limit - sent));
        }
      }
      if (n > 0) {
        out.write(buffer, 0, n);
        position += n;
        sent += n;
        continue;
      }
      if (!follow || !mayGrow) {
        return;
      }
      out.flush();
      try {
        TimeUnit.MILLISECONDS.sleep(FOLLOW_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Where the last {@code lines} lines of the file start. */
  static long tailStart(Path file, int lines) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long pos = raf.length();
      if (lines <= 0) {
        return pos;
      }
      // a final newline ends the last line rather than starting an empty one
      if (pos > 0) {
        raf.seek(pos - 1);
        if (raf.read() == '\n') {
          pos--;
        }
      }
      int seen = 0;
      while (pos > 0) {
        raf.seek(pos - 1);
        if (raf.read() == '\n' && ++seen == lines) {
          return pos;
        }
        pos--;
      }
      return 0;
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw == null) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "true" : pair.substring(eq + 1);
      query.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }

  private static void reply(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static SSLContext selfSigned(Path dir, String nodeName) throws IOException {
    Path keystore = dir.resolve("kubelet.p12");
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    char[] password = HexFormat.of().formatHex(random).toCharArray();
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command =
        List.of(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            "kubelet",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=" + nodeName,
            "-ext",
            "SAN=IP:127.0.0.1,DNS:localhost",
            "-validity",
            "3650",
            "-storetype",
            "PKCS12",
            "-keystore",
            keystore.toString(),
            "-storepass:env",
            "KUBELET_KEYSTORE_PASSWORD");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // through the environment, so that the password is not on a command line
    builder.environment().put("KUBELET_KEYSTORE_PASSWORD", new String(password));
    try {
      Process process = builder.start();
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (process.waitFor() != 0) {
        throw new IOException("keytool failed to make the kubelet certificate: " + output);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        store.load(in, password);
      }
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the kubelet certificate", e);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load the kubelet certificate: " + e.getMessage(), e);
    }
  }
}
