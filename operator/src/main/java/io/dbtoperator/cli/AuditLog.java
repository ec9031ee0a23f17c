package io.dbtoperator.cli;

import static io.dbtoperator.cli.ReconcileBenchmark.OPERATOR_USER;
import static io.dbtoperator.cli.ReconcileBenchmark.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API server's audit log of the operator's user: one RequestReceived event per request, at its
 * arrival; a ResponseComplete event per request that ended.
 */
final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final List<JsonNode> received = new ArrayList<>();
  private final List<JsonNode> completed = new ArrayList<>();
  private long offset;

  AuditLog(Path file) {
    this.file = file;
  }

  /** Reads the events written since the last call; a line still being written waits. */
  void read() {
    if (!Files.exists(file)) {
      return;
    }
    byte[] bytes;
    try (var channel = Files.newByteChannel(file)) {
      channel.position(offset);
      bytes = java.nio.channels.Channels.newInputStream(channel).readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + file, e);
    }
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    offset += end;
    for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode event;
      try {
        event = JSON.readTree(line);
      } catch (IOException e) {
        throw new UncheckedIOException("the audit log " + file + " has a line that is no JSON", e);
      }
      if (!OPERATOR_USER.equals(event.path("user").path("username").asText())) {
        continue;
      }
      switch (event.path("stage").asText()) {
        case "RequestReceived" -> received.add(event);
        case "ResponseComplete" -> completed.add(event);
        default -> {}
      }
    }
  }

  /** Until no request of the operator arrived for {@code quiet}. */
  void awaitQuiet(Duration quiet, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int seen = -1;
    Instant since = Instant.now();
    while (Instant.now().isBefore(deadline)) {
      read();
      if (received.size() != seen) {
        seen = received.size();
        since = Instant.now();
      } else if (Duration.between(since, Instant.now()).compareTo(quiet) >= 0) {
        return;
      }
      Thread.sleep(250);
    }
    log("the operator did not go quiet in %s; measuring anyway", timeout);
  }

  /**
   * When the last of the projects wrote its status after {@code after}; null if one did not within
   * the timeout.
   */
  Instant awaitStatusWrites(Instant after, List<String> names, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      read();
      Map<String, Instant> first = new TreeMap<>();
      for (JsonNode event : completed) {
        JsonNode ref = event.path("objectRef");
        Instant at = Instant.parse(event.path("stageTimestamp").asText());
        if ("dbtprojects".equals(ref.path("resource").asText())
            && "status".equals(ref.path("subresource").asText())
            && at.isAfter(after)) {
          first.merge(ref.path("name").asText(), at, (a, b) -> a.isBefore(b) ? a : b);
        }
      }
      if (first.keySet().containsAll(names)) {
        return first.values().stream().max(Instant::compareTo).orElseThrow();
      }
      Thread.sleep(250);
    }
    log("not every project wrote its status within %s of the tick", timeout);
    return null;
  }

  /** Requests that arrived in (from, to], by verb and resource. */
  Map<String, Integer> countBetween(Instant from, Instant to) {
    Map<String, Integer> counts = new TreeMap<>();
    for (JsonNode event : received) {
      Instant at = Instant.parse(event.path("requestReceivedTimestamp").asText());
      if (!at.isAfter(from) || at.isAfter(to)) {
        continue;
      }
      JsonNode ref = event.path("objectRef");
      String resource = ref.path("resource").asText("");
      if (!ref.path("subresource").asText("").isEmpty()) {
        resource += "/" + ref.path("subresource").asText();
      }
      counts.merge(event.path("verb").asText() + " " + resource, 1, Integer::sum);
    }
    return counts;
  }
}
