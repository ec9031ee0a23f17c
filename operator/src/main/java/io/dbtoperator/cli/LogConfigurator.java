package io.dbtoperator.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.Map;

/**
 * The logging of every dbt-operator process, set up in code: a logback.xml took a cold CLI plan
 * about a tenth of its time to parse, with the JDK's XML parser (docs/benchmarks.md, "Third
 * round"). Lines go to stderr, since stdout is the CLI's output: text for people, or JSON, one
 * object per line, with the MDC (namespace, project, schema, run) as fields. A file named by {@code
 * -Dlogback.configurationFile} still replaces all of this.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  /** {@code text} or {@code json}; {@link Main} refuses any other value before logging starts. */
  static final String FORMAT_PROPERTY = "dbt-operator.log.format";

  static final String FORMAT_VARIABLE = "DBT_OPERATOR_LOG_FORMAT";

  /** Routine INFO lines of libraries: a session per connection, every SSH session. */
  private static final Map<String, Level> QUIET_LIBRARIES =
      Map.of(
          "com.datastax.oss.driver", Level.WARN,
          "io.zonky", Level.WARN,
          "org.apache.sshd", Level.WARN);

  /** Levels `dbt-operator local` lowers with these properties: its table and kubectl tell more. */
  private static final Map<String, String> LEVEL_PROPERTIES =
      Map.of(
          "io.javaoperatorsdk", "dbt-operator.log.sdk",
          "io.fabric8", "dbt-operator.log.fabric8",
          "io.dbtoperator.local", "dbt-operator.log.local");

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    // Logback reports its own set-up on stdout when it finds anything amiss: not the CLI's output.
    context.getStatusManager().add(new NopStatusListener());
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder(context, format(context)));
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(appender);
    QUIET_LIBRARIES.forEach((name, level) -> context.getLogger(name).setLevel(level));
    LEVEL_PROPERTIES.forEach(
        (name, property) ->
            context
                .getLogger(name)
                .setLevel(Level.toLevel(System.getProperty(property), Level.INFO)));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** The context's property (tests set it), the system property, the environment, or text. */
  static String format(LoggerContext context) {
    String format = context.getProperty(FORMAT_PROPERTY);
    if (format == null) {
      format = System.getProperty(FORMAT_PROPERTY);
    }
    if (format == null) {
      format = System.getenv(FORMAT_VARIABLE);
    }
    return format == null ? "text" : format;
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
    if (format.equals("json")) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithArguments(false);
      json.setWithMessage(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern("[%thread] %level %logger - %msg%n");
    text.start();
    return text;
  }
}
