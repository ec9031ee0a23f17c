package io.dbtoperator.state;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.SecretKeyRef;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How to reach the Cassandra or Astra cluster of a {@link CassandraStateStore}. Exactly one of
 * {@code contactPoints} (plain Cassandra) or {@code secureConnectBundle} (Astra) is given.
 *
 * <p>Secrets (the password or Astra token, the bundle's keys) are held as values so that the
 * operator can pass what it read from a Secret; {@link #toString()} and every error message leave
 * them out.
 *
 * @param contactPoints nodes to connect to first; empty for Astra
 * @param localDatacenter datacenter of the contact points; null for Astra (the bundle names it)
 * @param secureConnectBundle Astra's secure connect bundle; null for plain Cassandra
 * @param username null for no authentication; "token" for Astra
 * @param password password, or the Astra application token
 * @param replicationFactor of the keyspace when this store creates it (plain Cassandra only)
 * @param connectTimeout how long opening the store may take before it reports the cluster
 *     unreachable
 * @param requestTimeout per request, including the retries of the driver
 */
public record CassandraSettings(
    List<ContactPoint> contactPoints,
    String localDatacenter,
    SecureConnectBundle secureConnectBundle,
    String keyspace,
    String username,
    String password,
    int replicationFactor,
    Duration connectTimeout,
    Duration requestTimeout) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_REPLICATION_FACTOR = 1;

  /** Environment variables the CLI reads credentials from. */
  public static final String CASSANDRA_USERNAME_ENV = "CASSANDRA_USERNAME";

  public static final String CASSANDRA_PASSWORD_ENV = "CASSANDRA_PASSWORD";
  public static final String ASTRA_TOKEN_ENV = "ASTRA_DB_APPLICATION_TOKEN";

  /** Astra authenticates application tokens with this fixed username. */
  public static final String ASTRA_TOKEN_USERNAME = "token";

  // Unquoted CQL identifier: Cassandra folds it to lower case, so require lower case up front.
  static final Pattern KEYSPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");

  public CassandraSettings {
    contactPoints = List.copyOf(contactPoints);
    Objects.requireNonNull(keyspace, "keyspace");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (contactPoints.isEmpty() == (secureConnectBundle == null)) {
      throw new IllegalArgumentException(
          "give either contact points (Cassandra) or a secure connect bundle (Astra)");
    }
    if (secureConnectBundle == null && (localDatacenter == null || localDatacenter.isBlank())) {
      throw new IllegalArgumentException("a local datacenter is required with contact points");
    }
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("give both username and password, or neither");
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replication factor must be at least 1, got " + replicationFactor);
    }
  }

  /** A plain Cassandra cluster with default timeouts; credentials may be null. */
  public static CassandraSettings cassandra(
      List<ContactPoint> contactPoints,
      String localDatacenter,
      String keyspace,
      String username,
      String password) {
    return new CassandraSettings(
        contactPoints,
        localDatacenter,
        null,
        keyspace,
        username,
        password,
        DEFAULT_REPLICATION_FACTOR,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT);
  }

  /** An Astra database with default timeouts. */
  public static CassandraSettings astra(SecureConnectBundle bundle, String keyspace, String token) {
    return new CassandraSettings(
        List.of(),
        null,
        bundle,
        keyspace,
        ASTRA_TOKEN_USERNAME,
        Objects.requireNonNull(token, "token"),
        DEFAULT_REPLICATION_FACTOR,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT);
  }

  public CassandraSettings withTimeouts(Duration connectTimeout, Duration requestTimeout) {
    return new CassandraSettings(
        contactPoints,
        localDatacenter,
        secureConnectBundle,
        keyspace,
        username,
        password,
        replicationFactor,
        connectTimeout,
        requestTimeout);
  }

  public boolean isAstra() {
    return secureConnectBundle != null;
  }

  /** The store's location in {@link StateLocation} syntax, without secrets, for messages. */
  public String location() {
    if (isAstra()) {
      return "astra:" + secureConnectBundle.origin() + "/" + keyspace;
    }
    StringBuilder text = new StringBuilder("cassandra:");
    text.append(String.join(",", contactPoints.stream().map(ContactPoint::toString).toList()));
    text.append('/').append(keyspace).append("?dc=").append(localDatacenter);
    if (replicationFactor != DEFAULT_REPLICATION_FACTOR) {
      text.append("&rf=").append(replicationFactor);
    }
    return text.toString();
  }

  @Override
  public String toString() {
    return "CassandraSettings["
        + location()
        + (username == null ? "" : ", username=" + username + ", password=***")
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + "]";
  }

  // --- from a state location (CLI) ---

  /**
   * Settings for a {@code cassandra:} or {@code astra:} location, with credentials from {@code
   * env}.
   *
   * <ul>
   *   <li>{@code cassandra:HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DATACENTER[&rf=N]}; username and
   *       password from {@value #CASSANDRA_USERNAME_ENV} and {@value #CASSANDRA_PASSWORD_ENV} if
   *       set.
   *   <li>{@code astra:BUNDLE_PATH/KEYSPACE}, the bundle path being the secure connect bundle zip;
   *       the token from {@value #ASTRA_TOKEN_ENV}.
   * </ul>
   */
  public static CassandraSettings fromLocation(StateLocation location, Map<String, String> env) {
    return switch (location.backend()) {
      case CASSANDRA -> cassandraLocation(location, env);
      case ASTRA -> astraLocation(location, env);
      case SQLITE ->
          throw new IllegalArgumentException(location + " is not a Cassandra or Astra location");
    };
  }

  private static CassandraSettings cassandraLocation(
      StateLocation location, Map<String, String> env) {
    String target = location.target();
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    Map<String, String> parameters =
        query < 0 ? Map.of() : queryParameters(location, target.substring(query + 1));
    int slash = path.lastIndexOf('/');
    if (slash < 0) {
      throw locationError(
          location, "expected cassandra:HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DATACENTER");
    }
    List<ContactPoint> contactPoints = new ArrayList<>();
    for (String each : path.substring(0, slash).split(",", -1)) {
      try {
        contactPoints.add(ContactPoint.parse(each));
      } catch (IllegalArgumentException e) {
        throw locationError(location, e.getMessage());
      }
    }
    String keyspace = requireKeyspace(location, path.substring(slash + 1));
    String datacenter = parameters.get("dc");
    if (datacenter == null || datacenter.isBlank()) {
      throw locationError(
          location, "the local datacenter is missing; add ?dc=DATACENTER, e.g. ?dc=datacenter1");
    }
    int replicationFactor = DEFAULT_REPLICATION_FACTOR;
    String rf = parameters.get("rf");
    if (rf != null) {
      try {
        replicationFactor = Integer.parseInt(rf);
      } catch (NumberFormatException e) {
        replicationFactor = 0;
      }
      if (replicationFactor < 1) {
        throw locationError(location, "rf=" + rf + " is not a replication factor of 1 or more");
      }
    }
    String username = blankToNull(env.get(CASSANDRA_USERNAME_ENV));
    String password = blankToNull(env.get(CASSANDRA_PASSWORD_ENV));
    if ((username == null) != (password == null)) {
      throw locationError(
          location,
          "set both "
              + CASSANDRA_USERNAME_ENV
              + " and "
              + CASSANDRA_PASSWORD_ENV
              + ", or neither; only "
              + (username == null ? CASSANDRA_PASSWORD_ENV : CASSANDRA_USERNAME_ENV)
              + " is set");
    }
    return new CassandraSettings(
        contactPoints,
        datacenter,
        null,
        keyspace,
        username,
        password,
        replicationFactor,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT);
  }

  private static Map<String, String> queryParameters(StateLocation location, String query) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      if (!name.equals("dc") && !name.equals("rf")) {
        throw locationError(location, "unknown parameter \"" + name + "\"; expected dc or rf");
      }
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      parameters.put(name, URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return parameters;
  }

  private static CassandraSettings astraLocation(StateLocation location, Map<String, String> env) {
    String target = location.target();
    int slash = target.lastIndexOf('/');
    if (slash <= 0) {
      throw locationError(location, "expected astra:PATH_TO_SECURE_CONNECT_BUNDLE.zip/KEYSPACE");
    }
    String keyspace = requireKeyspace(location, target.substring(slash + 1));
    String token = blankToNull(env.get(ASTRA_TOKEN_ENV));
    if (token == null) {
      throw locationError(
          location, "the Astra application token is missing; set " + ASTRA_TOKEN_ENV);
    }
    SecureConnectBundle bundle;
    try {
      bundle = SecureConnectBundle.read(Path.of(target.substring(0, slash)));
    } catch (InvalidPathException | IOException e) {
      throw locationError(location, "cannot read the secure connect bundle: " + e);
    }
    return astra(bundle, keyspace, token);
  }

  private static String requireKeyspace(StateLocation location, String keyspace) {
    if (!KEYSPACE.matcher(keyspace).matches()) {
      throw locationError(
          location, "\"" + keyspace + "\" is not a keyspace name; " + KEYSPACE_RULE);
    }
    return keyspace;
  }

  static final String KEYSPACE_RULE =
      "use 1 to 48 lower-case letters, digits and underscores, starting with a letter";

  private static StateStoreException locationError(StateLocation location, String problem) {
    return new StateStoreException("state store location \"" + location + "\": " + problem);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  // --- from a DbtProject resource (operator) ---

  /**
   * Settings for {@code spec.state} of type astra or cassandra.
   *
   * @param secretValue reads one key of a Secret in the resource's namespace (raw bytes, so that it
   *     can carry the bundle zip); fails if the Secret or key is missing
   * @throws IllegalArgumentException naming the spec field that is missing or invalid
   */
  public static CassandraSettings fromSpec(
      DbtProjectSpec.State state, Function<SecretKeyRef, byte[]> secretValue) {
    return CassandraSpecSettings.read(state, secretValue);
  }

  /** One node to connect to first. */
  public record ContactPoint(String host, int port) {

    public ContactPoint {
      Objects.requireNonNull(host, "host");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
      }
    }

    /** Parses {@code host:port} or {@code [ipv6]:port}; the port is required. */
    public static ContactPoint parse(String text) {
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("is empty; expected host:port");
      }
      String trimmed = text.strip();
      int colon = trimmed.lastIndexOf(':');
      boolean bracketed = trimmed.startsWith("[");
      if (colon < 0 || (bracketed && colon < trimmed.indexOf(']'))) {
        throw new IllegalArgumentException("\"" + text + "\" has no port; expected host:port");
      }
      String host = trimmed.substring(0, colon);
      if (bracketed) {
        if (!host.endsWith("]")) {
          throw new IllegalArgumentException(
              "\"" + text + "\" is not host:port; write IPv6 addresses as [address]:port");
        }
        host = host.substring(1, host.length() - 1);
      } else if (host.contains(":")) {
        throw new IllegalArgumentException(
            "\"" + text + "\" is not host:port; write IPv6 addresses as [address]:port");
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("\"" + text + "\" has no host; expected host:port");
      }
      String port = trimmed.substring(colon + 1);
      try {
        return new ContactPoint(host, Integer.parseInt(port));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "\"" + text + "\" has port \"" + port + "\", expected a number from 1 to 65535");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("\"" + text + "\": " + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * Astra's secure connect bundle: a zip with the database's address, CA and client certificate. It
   * holds private keys, so only its origin is ever printed.
   *
   * @param origin where it came from (file path, or secret/NAME/KEY), for messages
   */
  public record SecureConnectBundle(String origin, byte[] zip) {

    public SecureConnectBundle {
      Objects.requireNonNull(origin, "origin");
      zip = zip.clone();
    }

    public static SecureConnectBundle read(Path file) throws IOException {
      return new SecureConnectBundle(file.toString(), Files.readAllBytes(file));
    }

    @Override
    public byte[] zip() {
      return zip.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof SecureConnectBundle that
          && origin.equals(that.origin)
          && Arrays.equals(zip, that.zip);
    }

    @Override
    public int hashCode() {
      return 31 * origin.hashCode() + Arrays.hashCode(zip);
    }

    @Override
    public String toString() {
      return "SecureConnectBundle[" + origin + ", " + zip.length + " bytes]";
    }
  }
}
