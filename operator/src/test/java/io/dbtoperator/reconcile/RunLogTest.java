package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.cli.LogConfigurator;
import io.dbtoperator.state.RunCounts;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.RunStatus;
import io.dbtoperator.state.RunType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The operator's logging in JSON: one object per line, the run's context as fields. */
class RunLogTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aFailedRunIsAWarningWithNamespaceProjectSchemaAndRun() throws Exception {
    RunRecord run =
        new RunRecord(
            "20261129101500-1c9e0f2a-r",
            "shop",
            "marts",
            RunType.SCHEDULED,
            RunStatus.FAILED,
            Instant.parse("2026-11-29T10:15:00Z"),
            Instant.parse("2026-11-29T10:16:00Z"),
            RunCounts.NONE,
            null,
            null,
            "tests failed: not_null_orders_order_id",
            1);
    List<JsonNode> lines =
        jsonLines(
            () -> {
              try (MDC.MDCCloseable namespace = MDC.putCloseable(RunLog.NAMESPACE, "data");
                  MDC.MDCCloseable project = MDC.putCloseable(RunLog.PROJECT, "shop")) {
                new RunLog().ended(run);
                new RunLog().notice("", "the live commit's manifest was restored");
              }
            });

    assertThat(lines).hasSize(2);
    JsonNode ended = lines.get(0);
    assertThat(ended.get("level").asText()).isEqualTo("WARN");
    assertThat(ended.get("loggerName").asText()).isEqualTo("io.dbtoperator.runs");
    assertThat(ended.get("formattedMessage").asText())
        .isEqualTo(
            "marts: run 20261129101500-1c9e0f2a-r ended FAILED:"
                + " tests failed: not_null_orders_order_id");
    assertThat(ended.get("mdc"))
        .isEqualTo(
            JSON.readTree(
                "{\"namespace\":\"data\",\"project\":\"shop\",\"schema\":\"marts\","
                    + "\"run\":\"20261129101500-1c9e0f2a-r\"}"));
    JsonNode notice = lines.get(1);
    assertThat(notice.get("level").asText()).isEqualTo("INFO");
    assertThat(notice.get("mdc"))
        .as("a project-wide notice names no schema, and the last run's entries are gone")
        .isEqualTo(JSON.readTree("{\"namespace\":\"data\",\"project\":\"shop\"}"));
  }

  /** What {@code logging} writes to stderr with the operator's logging set up for JSON. */
  private static List<JsonNode> jsonLines(Runnable logging) throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      // The console appender takes System.err when it starts, so it is swapped before.
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      context.reset();
      context.putProperty("dbt-operator.log.format", "json");
      LogConfigurator configurator = new LogConfigurator();
      configurator.setContext(context);
      configurator.configure(context);
      logging.run();
    } finally {
      context.reset();
      System.setErr(saved);
      new ContextInitializer(context).autoConfig();
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : err.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }
}
