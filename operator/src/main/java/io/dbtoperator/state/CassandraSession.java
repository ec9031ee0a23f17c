package io.dbtoperator.state;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.internal.core.retry.DefaultRetryPolicy;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The state store's driver session: its prepared statements by name, and one translation of driver
 * failures into {@link StateStoreException}s that name the store and the operation.
 */
final class CassandraSession implements AutoCloseable {
  // DDL waits for the whole cluster to agree on the schema, which takes longer than a request.
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  private final CqlSession session;
  private final String location;
  private final String keyspace;
  private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>();
  private volatile boolean closed;

  private CassandraSession(CqlSession session, CassandraSettings settings) {
    this.session = session;
    this.location = settings.location();
    this.keyspace = settings.keyspace();
  }

  /**
   * Connects to the cluster or Astra database of {@code settings}.
   *
   * @throws StateStoreException if it is unreachable within the connect timeout
   */
  static CassandraSession connect(CassandraSettings settings) {
    Duration connectTimeout = settings.connectTimeout();
    DriverConfigLoader config =
        DriverConfigLoader.programmaticBuilder()
            .withString(DefaultDriverOption.SESSION_NAME, "dbt-operator-state")
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, settings.requestTimeout())
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
            .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "LOCAL_SERIAL")
            // Lightweight transactions must not be retried blindly: statements are not idempotent
            // unless marked so, and the default policy retries only those on other nodes.
            .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, false)
            .withClass(DefaultDriverOption.RETRY_POLICY_CLASS, DefaultRetryPolicy.class)
            .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, DDL_TIMEOUT)
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, DDL_TIMEOUT)
            // Schema metadata is not used (the keyspace check queries system_schema), and keeping
            // it costs a debounced refresh after every DDL statement.
            .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
            // Fail the open instead of reconnecting in the background forever.
            .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
            .build();
    CqlSessionBuilder builder = CqlSession.builder().withConfigLoader(config);
    if (settings.isAstra()) {
      builder.withCloudSecureConnectBundle(
          new ByteArrayInputStream(settings.secureConnectBundle().zip()));
    } else {
      for (CassandraSettings.ContactPoint point : settings.contactPoints()) {
        builder.addContactPoint(InetSocketAddress.createUnresolved(point.host(), point.port()));
      }
      builder.withLocalDatacenter(settings.localDatacenter());
    }
    if (settings.username() != null) {
      builder.withAuthCredentials(settings.username(), settings.password());
    }
    CompletableFuture<CqlSession> connecting = builder.buildAsync().toCompletableFuture();
    try {
      // The driver tries contact points one after another, each up to the connect timeout; the
      // overall bound keeps "unreachable" to seconds however many points are listed.
      return new CassandraSession(
          connecting.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS), settings);
    } catch (TimeoutException e) {
      connecting.thenAccept(CqlSession::closeAsync);
      throw new StateStoreException(
          "state store "
              + settings.location()
              + ": open failed: unreachable, no connection within "
              + connectTimeout.toSeconds()
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connecting.thenAccept(CqlSession::closeAsync);
      throw new StateStoreException("state store " + settings.location() + ": open interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String problem =
          cause instanceof AllNodesFailedException
              ? "unreachable: " + cause.getMessage()
              : String.valueOf(cause.getMessage());
      throw new StateStoreException(
          "state store " + settings.location() + ": open failed: " + problem, cause);
    }
  }

  String table(String name) {
    return keyspace + "." + name;
  }

  void prepare(String name, String cql) {
    // Tables are named KS.table in the statements and qualified here, so that the session needs no
    // keyspace of its own (the keyspace may not exist yet when it connects).
    String qualified = cql.replace("KS.", keyspace + ".");
    prepared.put(name, execute("prepare statements", () -> session.prepare(qualified)));
  }

  BoundStatement bind(String name, Object... values) {
    return prepared.get(name).bind(values);
  }

  ResultSet read(String operation, BoundStatement statement) {
    return execute(operation, statement.setIdempotent(true));
  }

  void ddl(String cql) {
    execute("create tables", SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
  }

  ResultSet execute(String operation, Statement<?> statement) {
    return execute(operation, () -> session.execute(statement));
  }

  interface DriverWork<T> {
    T run();
  }

  <T> T execute(String operation, DriverWork<T> work) {
    if (closed) {
      throw new IllegalStateException(
          "state store " + location + " is closed; cannot " + operation);
    }
    try {
      return work.run();
    } catch (AllNodesFailedException e) {
      throw new StateStoreException(
          "state store " + location + ": " + operation + " failed: unreachable: " + e.getMessage(),
          e);
    } catch (DriverException e) {
      throw new StateStoreException(
          "state store " + location + ": " + operation + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    session.close();
  }
}
