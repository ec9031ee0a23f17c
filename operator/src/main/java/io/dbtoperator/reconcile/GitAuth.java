package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.git.GitCredentials;
import io.dbtoperator.git.GitCredentialsException;
import java.nio.charset.StandardCharsets;

/**
 * spec.git.secretRef resolved to credentials for the URL's transport: an HTTPS token, or for ssh
 * URLs a private key and the known_hosts its server must be in. Every problem is a SpecProblem that
 * names the spec path and the Secret key, never a value.
 */
final class GitAuth {
  /** The key of a kubernetes.io/ssh-auth Secret. */
  static final String SSH_PRIVATE_KEY = "ssh-privatekey";

  static final String KNOWN_HOSTS = "known_hosts";

  private GitAuth() {}

  /** The Secret key holding the SSH private key: sshPrivateKeyKey, by default ssh-privatekey. */
  static String privateKeyKey(DbtProjectSpec.GitSecretRef ref) {
    return ref.sshPrivateKeyKey() == null ? SSH_PRIVATE_KEY : ref.sshPrivateKeyKey();
  }

  /** The Secret key holding known_hosts: knownHostsKey, by default known_hosts. */
  static String knownHostsKey(DbtProjectSpec.GitSecretRef ref) {
    return ref.knownHostsKey() == null ? KNOWN_HOSTS : ref.knownHostsKey();
  }

  /**
   * Checks that the secretRef fits the URL, without reading the Secret (the pod only mounts it).
   *
   * @return whether the URL is reached over SSH
   */
  static boolean check(DbtProjectSpec.Git git) {
    boolean ssh = GitCredentials.isSsh(git.url());
    DbtProjectSpec.GitSecretRef ref = git.secretRef();
    if (ssh && ref == null) {
      throw new SpecProblem(
          "InvalidSpec",
          "spec.git.secretRef: required for an ssh URL (a Secret with the keys "
              + SSH_PRIVATE_KEY
              + " and "
              + KNOWN_HOSTS
              + ")");
    }
    if (ref == null) {
      return false;
    }
    if (ssh && ref.tokenKey() != null) {
      throw new SpecProblem(
          "InvalidSpec",
          "spec.git.secretRef.tokenKey: a token is for https URLs; an ssh URL takes an SSH key"
              + " (sshPrivateKeyKey, default "
              + SSH_PRIVATE_KEY
              + ")");
    }
    if (!ssh && ref.tokenKey() == null) {
      throw new SpecProblem(
          "InvalidSpec",
          ref.sshPrivateKeyKey() != null || ref.knownHostsKey() != null
              ? "spec.git.secretRef.sshPrivateKeyKey: an SSH key needs an ssh://... or"
                  + " user@host:path URL in spec.git.url"
              : "spec.git.secretRef.tokenKey: required for an https URL");
    }
    return ssh;
  }

  /** The credentials of the project's git URL; close them after use. */
  static GitCredentials credentials(DbtProjectSpec.Git git, Secrets secrets) {
    boolean ssh = check(git);
    DbtProjectSpec.GitSecretRef ref = git.secretRef();
    if (ref == null) {
      return GitCredentials.none();
    }
    String field = "spec.git.secretRef";
    if (!ssh) {
      return GitCredentials.token(secrets.require(ref.name(), ref.tokenKey(), field).trim());
    }
    String keyKey = privateKeyKey(ref);
    String hostsKey = knownHostsKey(ref);
    // An SSH private key is ASCII text (OpenSSH or PEM armour).
    byte[] key = secrets.require(ref.name(), keyKey, field).getBytes(StandardCharsets.UTF_8);
    byte[] knownHosts =
        secrets
            .bytes(ref.name(), hostsKey)
            .orElseThrow(
                () ->
                    new SpecProblem(
                        "SecretKeyNotFound",
                        field
                            + ": secret \""
                            + ref.name()
                            + "\" has no known_hosts key \""
                            + hostsKey
                            + "\" (host keys are checked strictly, never trusted on first use)"));
    try {
      return GitCredentials.ssh(key, knownHosts);
    } catch (GitCredentialsException e) {
      String bad = e.part() == GitCredentialsException.Part.PRIVATE_KEY ? keyKey : hostsKey;
      throw new SpecProblem(
          "InvalidGitCredentials",
          field + ": key \"" + bad + "\" of secret \"" + ref.name() + "\" " + e.getMessage());
    }
  }
}
