package io.dbtoperator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads keys of Secrets in one namespace; values never leave this class in a message. One instance
 * serves one reconcile pass: each Secret is read from the API server once in it, however many keys
 * the spec takes from it, and a later pass reads it afresh (so a rotated password is picked up).
 */
final class Secrets {
  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, Optional<Secret>> read = new HashMap<>();

  Secrets(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  private Optional<Secret> secret(String name) {
    return read.computeIfAbsent(
        name, n -> Optional.ofNullable(client.secrets().inNamespace(namespace).withName(n).get()));
  }

  /** The value, or empty when the Secret or the key is missing. */
  Optional<byte[]> bytes(String name, String key) {
    Optional<Secret> secret = secret(name);
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> data = secret.get().getData();
    if (data != null && data.containsKey(key)) {
      return Optional.of(Base64.getDecoder().decode(data.get(key)));
    }
    Map<String, String> plain = secret.get().getStringData();
    if (plain != null && plain.containsKey(key)) {
      return Optional.of(plain.get(key).getBytes(StandardCharsets.UTF_8));
    }
    return Optional.empty();
  }

  Optional<String> value(String name, String key) {
    return bytes(name, key).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /**
   * The value of a key the spec requires.
   *
   * @param field the spec path of the reference, e.g. spec.warehouse.secretRef
   */
  String require(String name, String key, String field) {
    if (secret(name).isEmpty()) {
      throw new SpecProblem("SecretNotFound", field + ": secret \"" + name + "\" not found");
    }
    return value(name, key)
        .orElseThrow(
            () ->
                new SpecProblem(
                    "SecretKeyNotFound",
                    field + ": secret \"" + name + "\" has no key \"" + key + "\""));
  }
}
