package io.dbtoperator.state;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the state lives, as written in CLI options and resource specs: {@code sqlite:PATH} or a
 * bare path for the embedded store, {@code astra:...} or {@code cassandra:...} for a cluster.
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

  public StateStore open(Clock clock) {
    return switch (backend) {
      case SQLITE -> SqliteStateStore.open(sqlitePath(), clock);
      case CASSANDRA, ASTRA ->
          throw new StateStoreException(
              "state store "
                  + this
                  + ": open failed: "
                  + backend.scheme()
                  + " state stores are not yet supported in this build; use sqlite:PATH");
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
