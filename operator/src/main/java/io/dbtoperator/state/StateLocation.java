package io.dbtoperator.state;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the state lives, as written in CLI options and resource specs: {@code sqlite:PATH} or a
 * bare path for the embedded store, {@code
 * cassandra:HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DATACENTER[&rf=N]} for a Cassandra cluster and
 * {@code astra:PATH_TO_SECURE_CONNECT_BUNDLE.zip/KEYSPACE} for DataStax Astra (see {@link
 * CassandraSettings#fromLocation}).
 *
 * @param target the part after the scheme: a file path for SQLite
 */
public record StateLocation(Backend backend, String target) {

  public enum Backend {
    SQLITE,
    CASSANDRA,
    ASTRA;

    String scheme() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  // Two or more letters, so that a Windows drive letter ("C:\state.db") still reads as a path.
  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):(.*)$");

  public static StateLocation parse(String text) {
    if (text == null || text.isBlank()) {
      throw new StateStoreException(
          "state store location is empty; expected sqlite:PATH, a file path, astra:... or"
              + " cassandra:...");
    }
    Matcher matcher = SCHEME.matcher(text);
    if (!matcher.matches()) {
      return new StateLocation(Backend.SQLITE, text);
    }
    String scheme = matcher.group(1).toLowerCase(Locale.ROOT);
    String target = matcher.group(2);
    for (Backend backend : Backend.values()) {
      if (backend.scheme().equals(scheme)) {
        if (target.isBlank()) {
          throw new StateStoreException(
              "state store location \"" + text + "\" has nothing after \"" + scheme + ":\"");
        }
        return new StateLocation(backend, target);
      }
    }
    throw new StateStoreException(
        "state store location \""
            + text
            + "\" has unknown scheme \""
            + scheme
            + "\"; expected sqlite:PATH, a file path, astra:... or cassandra:...");
  }

  /** Opens the store, with Cassandra or Astra credentials from the process environment. */
  public StateStore open(Clock clock) {
    return open(clock, System.getenv());
  }

  /**
   * Opens the store.
   *
   * @param env where Cassandra and Astra credentials are read from, see {@link
   *     CassandraSettings#fromLocation}
   */
  public StateStore open(Clock clock, Map<String, String> env) {
    return switch (backend) {
      case SQLITE -> SqliteStateStore.open(sqlitePath(), clock);
      case CASSANDRA, ASTRA ->
          CassandraStateStore.open(CassandraSettings.fromLocation(this, env), clock);
    };
  }

  private Path sqlitePath() {
    try {
      return Path.of(target);
    } catch (InvalidPathException e) {
      throw new StateStoreException(
          "state store " + this + ": open failed: invalid path: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return backend.scheme() + ":" + target;
  }
}
