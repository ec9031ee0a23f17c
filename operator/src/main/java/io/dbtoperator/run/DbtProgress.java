package io.dbtoperator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.state.RunCounts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Live progress of dbt runs, read from the {@code --log-format json} lines dbt prints. Every event
 * about a node carries {@code data.node_info} with the node's id, type and current status; the
 * newest status of each node is kept, so counts never go backwards or count a node twice.
 */
public final class DbtProgress {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TAIL_LINES = 3;

  private final Map<String, NodeState> nodes = new LinkedHashMap<>();
  private String currentNode;
  private final List<String> errors = new ArrayList<>();
  private final java.util.ArrayDeque<String> tail = new java.util.ArrayDeque<>();

  /** The newest status of one node. */
  public record NodeState(String uniqueId, String resourceType, String status) {
    boolean isTest() {
      return "test".equals(resourceType) || "unit_test".equals(resourceType);
    }

    boolean succeeded() {
      return status.equals("success") || status.equals("pass") || status.equals("warn");
    }

    boolean failed() {
      return status.equals("error") || status.equals("fail") || status.equals("runtime error");
    }

    boolean skipped() {
      return status.equals("skipped");
    }
  }

  /**
   * Reads one line of dbt output. Lines that are not JSON events (a crash trace, a warning of
   * Python itself) are kept as errors when they look like one, and otherwise ignored by design:
   * they carry no node status.
   *
   * @return true if the line changed the progress
   */
  public synchronized boolean accept(String line) {
    if (line.isBlank()) {
      return false;
    }
    if (line.charAt(0) != '{') {
      remember(line);
      return false;
    }
    JsonNode event;
    try {
      event = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException notAnEvent) {
      remember(line);
      return false;
    }
    JsonNode info = event.path("info");
    if (info.hasNonNull("msg")) {
      remember(info.get("msg").asText());
    }
    if ("error".equals(info.path("level").asText()) && info.hasNonNull("msg")) {
      errors.add(info.get("msg").asText());
    }
    JsonNode data = event.path("data");
    JsonNode node = data.path("node_info");
    String id = node.path("unique_id").asText(null);
    String status = node.path("node_status").asText(null);
    if ("None".equals(status) || "".equals(status)) {
      // Result events after a failure carry Python's None as text: no status, not a new one.
      status = null;
    }
    // A test's verdict is in the result events; node_info may still say it is executing.
    String name = info.path("name").asText("");
    if (name.equals("LogTestResult") && data.hasNonNull("status")) {
      status = data.get("status").asText();
    } else if (name.equals("NodeFinished") && data.path("run_result").hasNonNull("status")) {
      status = data.path("run_result").get("status").asText();
    }
    if (id == null || status == null) {
      return false;
    }
    return update(id, node.path("resource_type").asText(""), status);
  }

  /**
   * Reads dbt's run_results.json, which has the final status of every node the command ran; it
   * settles whatever the log lines left open (a crash of dbt mid-run, say).
   *
   * @return false if the file does not exist
   */
  public synchronized boolean acceptRunResults(java.nio.file.Path runResults) {
    if (!java.nio.file.Files.exists(runResults)) {
      return false;
    }
    JsonNode root;
    try {
      root = JSON.readTree(runResults.toFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + runResults, e);
    }
    for (JsonNode result : root.path("results")) {
      String id = result.path("unique_id").asText(null);
      String status = result.path("status").asText(null);
      if (id != null && status != null) {
        update(id, id.substring(0, Math.max(0, id.indexOf('.'))), status);
      }
    }
    return true;
  }

  private boolean update(String id, String type, String status) {
    NodeState previous = nodes.get(id);
    NodeState next =
        new NodeState(
            id, type.isEmpty() && previous != null ? previous.resourceType() : type, status);
    if (next.equals(previous)) {
      return false;
    }
    nodes.put(id, next);
    if (next.succeeded() || next.failed() || next.skipped()) {
      if (id.equals(currentNode)) {
        currentNode = null;
      }
    } else {
      currentNode = id;
    }
    return true;
  }

  public synchronized RunCounts counts() {
    int total = 0;
    int succeeded = 0;
    int failed = 0;
    int skipped = 0;
    int testsPassed = 0;
    int testsFailed = 0;
    for (NodeState node : nodes.values()) {
      if (node.isTest()) {
        if (node.succeeded()) {
          testsPassed++;
        } else if (node.failed()) {
          testsFailed++;
        }
        continue;
      }
      total++;
      if (node.succeeded()) {
        succeeded++;
      } else if (node.failed()) {
        failed++;
      } else if (node.skipped()) {
        skipped++;
      }
    }
    return new RunCounts(total, succeeded, failed, skipped, testsPassed, testsFailed);
  }

  /** Nodes (models, seeds, snapshots and tests) whose newest status is a failure. */
  public synchronized List<String> failedNodes() {
    return nodes.values().stream().filter(NodeState::failed).map(NodeState::uniqueId).toList();
  }

  public synchronized Optional<String> currentNode() {
    return Optional.ofNullable(currentNode);
  }

  private void remember(String message) {
    String flat = message.replaceAll("\\s+", " ").strip();
    if (flat.isEmpty()) {
      return;
    }
    tail.addLast(flat.length() > 300 ? flat.substring(0, 300) + "..." : flat);
    while (tail.size() > TAIL_LINES) {
      tail.removeFirst();
    }
  }

  /**
   * What dbt said last, on one line: when it stops before logging an error event (a missing
   * project, a bad profile), this is the only account of why.
   */
  public synchronized String lastOutput() {
    return String.join(" | ", tail);
  }

  /** dbt's error events, else its last lines of output: why a dbt command failed, on one line. */
  public synchronized String describeFailure() {
    if (!errors.isEmpty()) {
      return String.join("; ", errors).replaceAll("\\s+", " ").strip();
    }
    return tail.isEmpty() ? "dbt printed nothing" : lastOutput();
  }

  /** Messages of error-level events, e.g. a compilation error that stops dbt before any node. */
  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }
}
