package io.dbtoperator.git;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * How to reach a remote: anonymously, with an HTTPS token, or with an SSH private key whose server
 * must be in the given known_hosts. The credentials are held in memory only; nothing of them goes
 * into a message. Close after the git commands that used them.
 */
public final class GitCredentials implements AutoCloseable {
  private static final Set<String> SSH_SCHEMES = Set.of("ssh", "ssh+git", "git+ssh");

  static {
    io.dbtoperator.BouncyCastle.register();
  }

  private final String token;
  private final KnownHosts knownHosts;
  private final SshdSessionFactory ssh;

  private GitCredentials(String token, KnownHosts knownHosts, SshdSessionFactory ssh) {
    this.token = token;
    this.knownHosts = knownHosts;
    this.ssh = ssh;
  }

  public static GitCredentials none() {
    return new GitCredentials(null, null, null);
  }

  /** An HTTPS access token, sent as the password of the user "x-access-token". */
  public static GitCredentials token(String token) {
    return new GitCredentials(token, null, null);
  }

  /**
   * An SSH private key (OpenSSH or PEM, unencrypted) and the known_hosts its server must be in.
   *
   * @throws GitCredentialsException naming the part that cannot be used
   */
  public static GitCredentials ssh(byte[] privateKey, byte[] knownHosts) {
    List<KeyPair> keys = privateKey(privateKey);
    KnownHosts hosts = KnownHosts.parse(knownHosts);
    // An empty, never created directory as home and ~/.ssh: no ssh config, identity or
    // known_hosts file of the machine the operator runs on can add to or loosen these credentials.
    File nowhere =
        Path.of(System.getProperty("java.io.tmpdir"), "dbt-operator-no-ssh-" + UUID.randomUUID())
            .toFile();
    SshdSessionFactory factory =
        new SshdSessionFactoryBuilder()
            .setHomeDirectory(nowhere)
            .setSshDirectory(nowhere)
            .setPreferredAuthentications("publickey")
            .setDefaultKeysProvider(dir -> keys)
            .setServerKeyDatabase((home, dir) -> hosts)
            .build(null);
    return new GitCredentials(null, hosts, factory);
  }

  /** ssh://, git+ssh:// and scp-like user@host:path URLs; not https, file or local paths. */
  public static boolean isSsh(String url) {
    try {
      URIish uri = new URIish(url);
      return uri.getScheme() == null
          ? uri.getHost() != null
          : SSH_SCHEMES.contains(uri.getScheme().toLowerCase(java.util.Locale.ROOT));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  public boolean isSsh() {
    return ssh != null;
  }

  /** Sets these credentials on a clone or fetch. */
  public <C extends TransportCommand<C, ?>> C apply(C command) {
    if (token != null) {
      command.setCredentialsProvider(
          new UsernamePasswordCredentialsProvider("x-access-token", token));
    }
    if (ssh != null) {
      command.setTransportConfigCallback(
          transport -> {
            if (transport instanceof SshTransport sshTransport) {
              sshTransport.setSshSessionFactory(ssh);
            }
          });
    }
    return command;
  }

  /**
   * Why a failed command failed, in one line: the refused host key when that was it (JGit's own
   * message for it spans lines and says "ask"), else the command's message.
   */
  public String explain(Exception failure) {
    return hostKeyRefusal().orElseGet(() -> oneLine(failure.getMessage()));
  }

  /** Set when the last connection was refused for its server's host key. */
  public Optional<String> hostKeyRefusal() {
    return knownHosts == null ? Optional.empty() : Optional.ofNullable(knownHosts.refusal());
  }

  @Override
  public void close() {
    if (ssh != null) {
      ssh.close();
    }
  }

  private static List<KeyPair> privateKey(byte[] content) {
    AtomicBoolean encrypted = new AtomicBoolean();
    // Asked for a passphrase means the key is encrypted: refused (see docs/api.md), the
    // passphrase would sit in the same Secret as the key and protect nothing.
    FilePasswordProvider noPassphrase =
        (session, resource, attempt) -> {
          encrypted.set(true);
          return null;
        };
    List<KeyPair> keys = new ArrayList<>();
    try {
      Iterable<KeyPair> loaded =
          SecurityUtils.loadKeyPairIdentities(
              null,
              NamedResource.ofName("ssh-privatekey"),
              new ByteArrayInputStream(content),
              noPassphrase);
      if (loaded != null) {
        loaded.forEach(keys::add);
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      if (!encrypted.get()) {
        throw new GitCredentialsException(
            GitCredentialsException.Part.PRIVATE_KEY,
            "is not an SSH private key (OpenSSH or PEM format)");
      }
    }
    if (encrypted.get()) {
      throw new GitCredentialsException(
          GitCredentialsException.Part.PRIVATE_KEY,
          "is an encrypted SSH private key; store it without a passphrase (ssh-keygen -p -N ''"
              + " -f KEY)");
    }
    if (keys.isEmpty()) {
      throw new GitCredentialsException(
          GitCredentialsException.Part.PRIVATE_KEY,
          "is not an SSH private key (OpenSSH or PEM format)");
    }
    return keys;
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
