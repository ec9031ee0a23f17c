package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
  @Test
  void textLinesGoToStderrAndRoutineLibraryLinesAreDropped() {
    String err =
        stderrOf(
            "text",
            context -> {
              context.getLogger("io.dbtoperator.reconcile.Example").info("deployed marts");
              context.getLogger("io.zonky.test.db").info("routine start-up line");
              context.getLogger("io.zonky.test.db").warn("disk almost full");
              context.getLogger("io.dbtoperator.plan.Example").debug("not at INFO");
            });

    assertThat(err)
        .isEqualTo(
            "[main] INFO io.dbtoperator.reconcile.Example - deployed marts\n"
                + "[main] WARN io.zonky.test.db - disk almost full\n");
  }

  @Test
  void jsonLinesCarryTheFormattedMessage() {
    String err =
        stderrOf(
            "json",
            context -> {
              context.getLogger("io.dbtoperator.Example").info("schema {} deployed", "marts");
            });

    assertThat(err).contains("\"formattedMessage\":\"schema marts deployed\"");
    assertThat(err).doesNotContain("[main]");
  }

  @Test
  void theOperatorsLevelsFollowTheirSystemProperties() {
    System.setProperty("dbt-operator.log.fabric8", "ERROR");
    try {
      String err =
          stderrOf(
              null,
              context -> {
                context.getLogger("io.fabric8.kubernetes.client").warn("watch restarted");
                context.getLogger("io.fabric8.kubernetes.client").error("watch gave up");
                context.getLogger("io.javaoperatorsdk.operator").info("started");
              });

      assertThat(err)
          .isEqualTo(
              "[main] ERROR io.fabric8.kubernetes.client - watch gave up\n"
                  + "[main] INFO io.javaoperatorsdk.operator - started\n");
    } finally {
      System.clearProperty("dbt-operator.log.fabric8");
    }
  }

  @Test
  void aLogbackFileNamedOnTheCommandLineReplacesTheSetUp() {
    System.setProperty("logback.configurationFile", "/etc/dbt-operator/logback.xml");
    try {
      LoggerContext context = new LoggerContext();
      LogConfigurator configurator = new LogConfigurator();
      configurator.setContext(context);

      assertThat(configurator.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
      assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).isExhausted();
    } finally {
      System.clearProperty("logback.configurationFile");
    }
  }

  /**
   * What the logging writes to stderr, in the format given (null: none set). The console appender
   * takes System.err when it starts, so it is swapped before.
   */
  private static String stderrOf(String format, Consumer<LoggerContext> logging) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    // SLF4J's provider gives the global context its MDC; a context of the test's own needs one.
    context.setMDCAdapter(new LogbackMDCAdapter());
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      if (format != null) {
        context.putProperty(LogConfigurator.FORMAT_PROPERTY, format);
      }
      LogConfigurator configurator = new LogConfigurator();
      configurator.setContext(context);
      configurator.configure(context);
      logging.accept(context);
    } finally {
      context.stop();
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }
}
