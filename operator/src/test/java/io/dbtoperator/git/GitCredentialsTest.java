package io.dbtoperator.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** Parsing of SSH credentials and URLs; no connection (the SSH server is in GitSshIT). */
class GitCredentialsTest {
  private static final KeyPair HOST = SshGitServer.ed25519();
  private static final byte[] KNOWN_HOSTS =
      SshGitServer.knownHostsLine(2222, HOST.getPublic()).getBytes(StandardCharsets.UTF_8);

  @Test
  void sshUrlsAreTellFromOthers() {
    assertThat(GitCredentials.isSsh("git@github.com:org/repo.git")).isTrue();
    assertThat(GitCredentials.isSsh("ssh://git@git.example.com:2222/org/repo.git")).isTrue();
    assertThat(GitCredentials.isSsh("git+ssh://git@git.example.com/org/repo.git")).isTrue();
    assertThat(GitCredentials.isSsh("https://github.com/org/repo.git")).isFalse();
    assertThat(GitCredentials.isSsh("file:///srv/repo.git")).isFalse();
    assertThat(GitCredentials.isSsh("/srv/repo.git")).isFalse();
  }

  @Test
  void ed25519AndRsaKeysInOpenSshFormatAreRead() {
    for (KeyPair key : new KeyPair[] {SshGitServer.ed25519(), SshGitServer.rsa()}) {
      try (GitCredentials credentials =
          GitCredentials.ssh(SshGitServer.openSsh(key, null), KNOWN_HOSTS)) {
        assertThat(credentials.isSsh()).isTrue();
        assertThat(credentials.hostKeyRefusal()).isEmpty();
      }
    }
  }

  @Test
  void anEncryptedKeyIsRefusedWithoutItsContent() {
    byte[] encrypted = SshGitServer.openSsh(SshGitServer.ed25519(), "correct horse");
    assertThatThrownBy(() -> GitCredentials.ssh(encrypted, KNOWN_HOSTS))
        .isInstanceOfSatisfying(
            GitCredentialsException.class,
            e -> {
              assertThat(e.part()).isEqualTo(GitCredentialsException.Part.PRIVATE_KEY);
              assertThat(e.getMessage())
                  .startsWith("is an encrypted SSH private key")
                  .doesNotContain("correct horse")
                  .doesNotContain("OPENSSH")
                  .doesNotContain("\n");
            });
  }

  @Test
  void somethingElseThanAKeyIsNamedNotQuoted() {
    byte[] notAKey = "-----BEGIN NOTHING-----\nc2VjcmV0LXZhbHVl\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> GitCredentials.ssh(notAKey, KNOWN_HOSTS))
        .isInstanceOfSatisfying(
            GitCredentialsException.class,
            e -> {
              assertThat(e.part()).isEqualTo(GitCredentialsException.Part.PRIVATE_KEY);
              assertThat(e.getMessage())
                  .isEqualTo("is not an SSH private key (OpenSSH or PEM format)");
            });
  }

  @Test
  void knownHostsMustListAHostKey() {
    byte[] key = SshGitServer.openSsh(SshGitServer.ed25519(), null);
    assertThatThrownBy(
            () -> GitCredentials.ssh(key, "# nothing\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            GitCredentialsException.class,
            e -> {
              assertThat(e.part()).isEqualTo(GitCredentialsException.Part.KNOWN_HOSTS);
              assertThat(e.getMessage()).contains("lists no host key");
            });
    assertThatThrownBy(
            () -> GitCredentials.ssh(key, "git.example.com ssh-ed25519 AAAA!!\n".getBytes()))
        .isInstanceOfSatisfying(
            GitCredentialsException.class,
            e -> assertThat(e.part()).isEqualTo(GitCredentialsException.Part.KNOWN_HOSTS));
  }
}
