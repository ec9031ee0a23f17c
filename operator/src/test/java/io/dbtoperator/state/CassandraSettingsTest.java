package io.dbtoperator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtProjectSpec.StateType;
import io.dbtoperator.api.SecretKeyRef;
import io.dbtoperator.state.CassandraSettings.ContactPoint;
import io.dbtoperator.state.CassandraSettings.SecureConnectBundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CassandraSettingsTest {

  private static CassandraSettings fromLocation(String location, Map<String, String> env) {
    return CassandraSettings.fromLocation(StateLocation.parse(location), env);
  }

  // --- locations ---

  @Test
  void cassandraLocationNamesContactPointsKeyspaceAndDatacenter() {
    CassandraSettings settings =
        fromLocation("cassandra:host1:9042,[::1]:9043/dbt_state?dc=eu-west&rf=3", Map.of());

    assertThat(settings.contactPoints())
        .containsExactly(new ContactPoint("host1", 9042), new ContactPoint("::1", 9043));
    assertThat(settings.localDatacenter()).isEqualTo("eu-west");
    assertThat(settings.keyspace()).isEqualTo("dbt_state");
    assertThat(settings.replicationFactor()).isEqualTo(3);
    assertThat(settings.username()).isNull();
    assertThat(settings.isAstra()).isFalse();
    assertThat(settings.connectTimeout()).isEqualTo(CassandraSettings.DEFAULT_CONNECT_TIMEOUT);
    assertThat(settings.location())
        .isEqualTo("cassandra:host1:9042,[::1]:9043/dbt_state?dc=eu-west&rf=3");
  }

  @Test
  void cassandraCredentialsComeFromTheEnvironmentAndStayOutOfToString() {
    CassandraSettings settings =
        fromLocation(
            "cassandra:db:9042/dbt?dc=dc1",
            Map.of("CASSANDRA_USERNAME", "operator", "CASSANDRA_PASSWORD", "s3cret"));

    assertThat(settings.username()).isEqualTo("operator");
    assertThat(settings.password()).isEqualTo("s3cret");
    assertThat(settings.toString())
        .isEqualTo(
            "CassandraSettings[cassandra:db:9042/dbt?dc=dc1, username=operator, password=***,"
                + " connectTimeout=PT5S, requestTimeout=PT10S]");
    assertThatThrownBy(
            () ->
                fromLocation(
                    "cassandra:db:9042/dbt?dc=dc1", Map.of("CASSANDRA_PASSWORD", "s3cret")))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store location \"cassandra:db:9042/dbt?dc=dc1\": set both CASSANDRA_USERNAME"
                + " and CASSANDRA_PASSWORD, or neither; only CASSANDRA_PASSWORD is set");
  }

  @Test
  void badCassandraLocationsNameTheLocationAndTheProblem() {
    assertLocationError(
        "cassandra:host1:9042",
        "expected cassandra:HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DATACENTER");
    assertLocationError(
        "cassandra:host1:9042,host2/dbt?dc=dc1", "\"host2\" has no port; expected host:port");
    assertLocationError(
        "cassandra:host1:90x/dbt?dc=dc1",
        "\"host1:90x\" has port \"90x\", expected a number from 1 to 65535");
    assertLocationError(
        "cassandra:host1:70000/dbt?dc=dc1",
        "\"host1:70000\": port 70000 is not between 1 and 65535");
    assertLocationError(
        "cassandra:::1:9042/dbt?dc=dc1",
        "\"::1:9042\" is not host:port; write IPv6 addresses as [address]:port");
    assertLocationError(
        "cassandra:host1:9042/dbt",
        "the local datacenter is missing; add ?dc=DATACENTER, e.g. ?dc=datacenter1");
    assertLocationError(
        "cassandra:host1:9042/Dbt-State?dc=dc1",
        "\"Dbt-State\" is not a keyspace name; use 1 to 48 lower-case letters, digits and"
            + " underscores, starting with a letter");
    assertLocationError(
        "cassandra:host1:9042/dbt?dc=dc1&consistency=ONE",
        "unknown parameter \"consistency\"; expected dc or rf");
    assertLocationError(
        "cassandra:host1:9042/dbt?dc=dc1&rf=0", "rf=0 is not a replication factor of 1 or more");
  }

  private static void assertLocationError(String location, String problem) {
    assertThatThrownBy(() -> fromLocation(location, Map.of()))
        .isInstanceOf(StateStoreException.class)
        .hasMessage("state store location \"" + location + "\": " + problem);
  }

  @Test
  void astraLocationReadsTheBundleAndTakesTheTokenFromTheEnvironment(@TempDir Path dir)
      throws Exception {
    Path bundle = dir.resolve("secure-connect-prod.zip");
    Files.write(bundle, new byte[] {'P', 'K', 3, 4});
    String location = "astra:" + bundle + "/dbt_state";

    CassandraSettings settings =
        fromLocation(location, Map.of("ASTRA_DB_APPLICATION_TOKEN", "AstraCS:abc"));

    assertThat(settings.isAstra()).isTrue();
    assertThat(settings.secureConnectBundle().zip()).containsExactly('P', 'K', 3, 4);
    assertThat(settings.keyspace()).isEqualTo("dbt_state");
    assertThat(settings.username()).isEqualTo("token");
    assertThat(settings.password()).isEqualTo("AstraCS:abc");
    assertThat(settings.contactPoints()).isEmpty();
    assertThat(settings.location()).isEqualTo(location);
    assertThat(settings.toString()).doesNotContain("AstraCS:abc");
  }

  @Test
  void badAstraLocationsNameTheLocationAndTheProblem(@TempDir Path dir) {
    Map<String, String> token = Map.of("ASTRA_DB_APPLICATION_TOKEN", "AstraCS:abc");
    String missingBundle = "astra:" + dir.resolve("missing.zip") + "/dbt";
    assertThatThrownBy(() -> fromLocation(missingBundle, token))
        .isInstanceOf(StateStoreException.class)
        .hasMessageStartingWith(
            "state store location \""
                + missingBundle
                + "\": cannot read the secure connect bundle: java.nio.file.NoSuchFileException");
    assertThatThrownBy(() -> fromLocation("astra:/bundle.zip/dbt", Map.of()))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store location \"astra:/bundle.zip/dbt\": the Astra application token is"
                + " missing; set ASTRA_DB_APPLICATION_TOKEN");
    assertThatThrownBy(() -> fromLocation("astra:bundle.zip", token))
        .isInstanceOf(StateStoreException.class)
        .hasMessage(
            "state store location \"astra:bundle.zip\": expected"
                + " astra:PATH_TO_SECURE_CONNECT_BUNDLE.zip/KEYSPACE");
  }

  // --- resource specs ---

  private static final Map<String, String> SECRETS =
      Map.of(
          "cass-creds/username", "operator",
          "cass-creds/password", "s3cret\n",
          "cass-creds/user", "other",
          "astra/bundle", "PK-zip-bytes",
          "astra/token", "AstraCS:abc",
          "astra/empty", "");

  private static final Function<SecretKeyRef, byte[]> SECRET_VALUE =
      ref -> {
        String value = SECRETS.get(ref.name() + "/" + ref.key());
        if (value == null) {
          throw new IllegalArgumentException("Secret " + ref.name() + " has no key " + ref.key());
        }
        return value.getBytes(StandardCharsets.UTF_8);
      };

  private static DbtProjectSpec.State cassandraState(
      List<String> contactPoints, String keyspace, DbtProjectSpec.UsernamePasswordSecretRef creds) {
    return new DbtProjectSpec.State(
        StateType.cassandra,
        null,
        null,
        new DbtProjectSpec.Cassandra(contactPoints, "dc1", keyspace, creds));
  }

  @Test
  void cassandraSpecMapsContactPointsAndReadsCredentialsFromTheSecret() {
    CassandraSettings settings =
        CassandraSettings.fromSpec(
            cassandraState(
                List.of("db-0.db:9042", "db-1.db:9042"),
                "dbt_state",
                new DbtProjectSpec.UsernamePasswordSecretRef("cass-creds", null, null)),
            SECRET_VALUE);

    assertThat(settings)
        .isEqualTo(
            CassandraSettings.cassandra(
                List.of(new ContactPoint("db-0.db", 9042), new ContactPoint("db-1.db", 9042)),
                "dc1",
                "dbt_state",
                "operator",
                "s3cret"));
    assertThat(
            CassandraSettings.fromSpec(
                    cassandraState(
                        List.of("db:9042"),
                        "dbt",
                        new DbtProjectSpec.UsernamePasswordSecretRef(
                            "cass-creds", "user", "password")),
                    SECRET_VALUE)
                .username())
        .isEqualTo("other");
    assertThat(
            CassandraSettings.fromSpec(
                    cassandraState(List.of("db:9042"), "dbt", null), SECRET_VALUE)
                .username())
        .isNull();
  }

  @Test
  void badCassandraSpecsNameTheField() {
    assertSpecError(
        cassandraState(List.of("db-0:9042", "host"), "dbt", null),
        "spec.state.cassandra.contactPoints[1]: \"host\" has no port; expected host:port");
    assertSpecError(
        cassandraState(List.of(), "dbt", null),
        "spec.state.cassandra.contactPoints: give at least one host:port");
    assertSpecError(
        cassandraState(List.of("db:9042"), "Dbt", null),
        "spec.state.cassandra.keyspace: \"Dbt\" is not a keyspace name; use 1 to 48 lower-case"
            + " letters, digits and underscores, starting with a letter");
    assertSpecError(
        new DbtProjectSpec.State(
            StateType.cassandra,
            null,
            null,
            new DbtProjectSpec.Cassandra(List.of("db:9042"), " ", "dbt", null)),
        "spec.state.cassandra.localDatacenter: is required");
    assertSpecError(
        new DbtProjectSpec.State(StateType.cassandra, null, null, null),
        "spec.state.cassandra: is required for type cassandra");
    assertSpecError(
        new DbtProjectSpec.State(StateType.sqlite, null, null, null),
        "spec.state.type: sqlite has no Cassandra settings; expected astra or cassandra");
  }

  private static DbtProjectSpec.State astraState(SecretKeyRef bundle, SecretKeyRef token) {
    return new DbtProjectSpec.State(
        StateType.astra, null, new DbtProjectSpec.Astra(bundle, token, "dbt_state"), null);
  }

  @Test
  void astraSpecReadsBundleAndTokenFromSecrets() {
    CassandraSettings settings =
        CassandraSettings.fromSpec(
            astraState(new SecretKeyRef("astra", "bundle"), new SecretKeyRef("astra", "token")),
            SECRET_VALUE);

    assertThat(settings)
        .isEqualTo(
            CassandraSettings.astra(
                new SecureConnectBundle(
                    "secret/astra/bundle", "PK-zip-bytes".getBytes(StandardCharsets.UTF_8)),
                "dbt_state",
                "AstraCS:abc"));
    assertThat(settings.location()).isEqualTo("astra:secret/astra/bundle/dbt_state");
    assertThat(settings.toString()).doesNotContain("AstraCS:abc").doesNotContain("PK-zip");
  }

  @Test
  void badAstraSpecsNameTheFieldButNotTheSecretValue() {
    assertSpecError(
        astraState(new SecretKeyRef("astra", "empty"), new SecretKeyRef("astra", "token")),
        "spec.state.astra.secureConnectBundle: key empty of Secret astra is empty");
    assertSpecError(
        astraState(new SecretKeyRef("astra", "bundle"), new SecretKeyRef("astra", "empty")),
        "spec.state.astra.token: key empty of Secret astra is empty");
    assertSpecError(
        astraState(new SecretKeyRef("astra", "bundle"), null),
        "spec.state.astra.token.name: is required");
    assertSpecError(
        astraState(new SecretKeyRef("astra", null), new SecretKeyRef("astra", "token")),
        "spec.state.astra.secureConnectBundle.key: is required");
  }

  private static void assertSpecError(DbtProjectSpec.State state, String message) {
    assertThatThrownBy(() -> CassandraSettings.fromSpec(state, SECRET_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  // --- history buckets ---

  @Test
  void runsAreBucketedByUtcMonthOfTheirStart() {
    assertThat(CassandraStateStore.bucketOf(Instant.parse("2026-03-01T00:00:00Z")))
        .isEqualTo(202603);
    assertThat(CassandraStateStore.bucketOf(Instant.parse("2026-03-31T23:59:59.999Z")))
        .isEqualTo(202603);
    assertThat(CassandraStateStore.bucketOf(Instant.parse("2026-04-01T00:00:00Z")))
        .isEqualTo(202604);
    assertThat(CassandraStateStore.bucketOf(Instant.parse("2026-12-31T23:59:59Z")))
        .isEqualTo(202612);
    assertThat(CassandraStateStore.bucketOf(Instant.parse("2027-01-01T00:00:00Z")))
        .isEqualTo(202701);
    assertThat(CassandraStateStore.bucketOf(Instant.EPOCH)).isEqualTo(197001);
  }
}
