package io.dbtoperator.state;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.SecretKeyRef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@link CassandraSettings} from a DbtProject's {@code spec.state}, with its Secrets read through
 * the operator: each error names the spec field, and never a Secret's value.
 */
final class CassandraSpecSettings {
  private CassandraSpecSettings() {}

  static CassandraSettings read(
      DbtProjectSpec.State state, Function<SecretKeyRef, byte[]> secretValue) {
    if (state == null || state.type() == null) {
      throw new IllegalArgumentException("spec.state.type: is required");
    }
    return switch (state.type()) {
      case cassandra -> cassandraSpec(state.cassandra(), secretValue);
      case astra -> astraSpec(state.astra(), secretValue);
      case sqlite ->
          throw new IllegalArgumentException(
              "spec.state.type: sqlite has no Cassandra settings; expected astra or cassandra");
    };
  }

  private static CassandraSettings cassandraSpec(
      DbtProjectSpec.Cassandra spec, Function<SecretKeyRef, byte[]> secretValue) {
    String field = "spec.state.cassandra";
    if (spec == null) {
      throw new IllegalArgumentException(field + ": is required for type cassandra");
    }
    if (spec.contactPoints() == null || spec.contactPoints().isEmpty()) {
      throw new IllegalArgumentException(field + ".contactPoints: give at least one host:port");
    }
    List<CassandraSettings.ContactPoint> contactPoints = new ArrayList<>();
    for (int i = 0; i < spec.contactPoints().size(); i++) {
      try {
        contactPoints.add(CassandraSettings.ContactPoint.parse(spec.contactPoints().get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            field + ".contactPoints[" + i + "]: " + e.getMessage(), e);
      }
    }
    if (spec.localDatacenter() == null || spec.localDatacenter().isBlank()) {
      throw new IllegalArgumentException(field + ".localDatacenter: is required");
    }
    String keyspace = specKeyspace(field, spec.keyspace());
    DbtProjectSpec.UsernamePasswordSecretRef credentials = spec.credentialsSecretRef();
    if (credentials == null) {
      return CassandraSettings.cassandra(
          contactPoints, spec.localDatacenter(), keyspace, null, null);
    }
    String secretField = field + ".credentialsSecretRef";
    if (credentials.name() == null || credentials.name().isBlank()) {
      throw new IllegalArgumentException(secretField + ".name: is required");
    }
    String usernameKey = credentials.usernameKey() == null ? "username" : credentials.usernameKey();
    String passwordKey = credentials.passwordKey() == null ? "password" : credentials.passwordKey();
    String username =
        secretText(
            secretField, secretValue, new SecretKeyRef(credentials.name(), usernameKey), false);
    String password =
        secretText(
            secretField, secretValue, new SecretKeyRef(credentials.name(), passwordKey), true);
    return CassandraSettings.cassandra(
        contactPoints, spec.localDatacenter(), keyspace, username, password);
  }

  private static CassandraSettings astraSpec(
      DbtProjectSpec.Astra spec, Function<SecretKeyRef, byte[]> secretValue) {
    String field = "spec.state.astra";
    if (spec == null) {
      throw new IllegalArgumentException(field + ": is required for type astra");
    }
    String keyspace = specKeyspace(field, spec.keyspace());
    SecretKeyRef bundleRef = requireRef(field + ".secureConnectBundle", spec.secureConnectBundle());
    SecretKeyRef tokenRef = requireRef(field + ".token", spec.token());
    byte[] zip = secretValue.apply(bundleRef);
    if (zip == null || zip.length == 0) {
      throw new IllegalArgumentException(
          field
              + ".secureConnectBundle: key "
              + bundleRef.key()
              + " of Secret "
              + bundleRef.name()
              + " is empty");
    }
    String token = secretText(field + ".token", secretValue, tokenRef, true);
    CassandraSettings.SecureConnectBundle bundle =
        new CassandraSettings.SecureConnectBundle(
            "secret/" + bundleRef.name() + "/" + bundleRef.key(), zip);
    return CassandraSettings.astra(bundle, keyspace, token);
  }

  private static SecretKeyRef requireRef(String field, SecretKeyRef ref) {
    if (ref == null || ref.name() == null || ref.name().isBlank()) {
      throw new IllegalArgumentException(field + ".name: is required");
    }
    if (ref.key() == null || ref.key().isBlank()) {
      throw new IllegalArgumentException(field + ".key: is required");
    }
    return ref;
  }

  private static String specKeyspace(String field, String keyspace) {
    if (keyspace == null || !CassandraSettings.KEYSPACE.matcher(keyspace).matches()) {
      throw new IllegalArgumentException(
          field
              + ".keyspace: "
              + (keyspace == null ? "is required" : "\"" + keyspace + "\" is not a keyspace name")
              + "; "
              + CassandraSettings.KEYSPACE_RULE);
    }
    return keyspace;
  }

  private static String secretText(
      String field, Function<SecretKeyRef, byte[]> secretValue, SecretKeyRef ref, boolean secret) {
    byte[] value = secretValue.apply(ref);
    String text = value == null ? null : new String(value, StandardCharsets.UTF_8).strip();
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(
          field
              + ": key "
              + ref.key()
              + " of Secret "
              + ref.name()
              + " is empty"
              + (secret ? "" : "; it must hold the username"));
    }
    return text;
  }
}
