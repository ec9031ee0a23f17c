package io.dbtoperator.git;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * Host keys from the contents of a known_hosts file, checked strictly: a server whose key is not
 * listed for its host is refused, and nothing is ever added (no trust on first use). JGit's own
 * database reads files and follows the ssh config's StrictHostKeyChecking; this one ignores both,
 * so no file or setting on the machine can loosen it.
 */
final class KnownHosts implements ServerKeyDatabase {
  private record Entry(KnownHostEntry entry, PublicKey key) {}

  private final List<Entry> entries;
  private final AtomicReference<String> refusal = new AtomicReference<>();

  private KnownHosts(List<Entry> entries) {
    this.entries = entries;
  }

  /**
   * @throws GitCredentialsException when a line is not a known_hosts entry (its number is given,
   *     not its text)
   */
  static KnownHosts parse(byte[] content) {
    List<KnownHostEntry> read;
    try {
      read = KnownHostEntry.readKnownHostEntries(new ByteArrayInputStream(content), true);
    } catch (IOException | RuntimeException e) {
      throw new GitCredentialsException(
          GitCredentialsException.Part.KNOWN_HOSTS, "is not a known_hosts file");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < read.size(); i++) {
      KnownHostEntry entry = read.get(i);
      if ("cert-authority".equals(entry.getMarker())) {
        // Host certificates are not checked here: such a line vouches for no key by itself.
        continue;
      }
      try {
        entries.add(
            new Entry(
                entry, entry.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.FAILING)));
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new GitCredentialsException(
            GitCredentialsException.Part.KNOWN_HOSTS,
            "is not a known_hosts file: entry " + (i + 1) + " has no usable host key");
      }
    }
    if (entries.isEmpty()) {
      throw new GitCredentialsException(
          GitCredentialsException.Part.KNOWN_HOSTS,
          "is not a known_hosts file: it lists no host key");
    }
    return new KnownHosts(entries);
  }

  /** Why the last server was refused, e.g. "host key of git.example.com is not in known_hosts". */
  String refusal() {
    return refusal.get();
  }

  @Override
  public List<PublicKey> lookup(
      String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
    HostPort host = HostPort.of(connectAddress, remoteAddress);
    return entries.stream()
        .filter(e -> e.entry().getMarker() == null && e.entry().isHostMatch(host.host, host.port))
        .map(Entry::key)
        .toList();
  }

  @Override
  public boolean accept(
      String connectAddress,
      InetSocketAddress remoteAddress,
      PublicKey serverKey,
      Configuration config,
      CredentialsProvider provider) {
    HostPort host = HostPort.of(connectAddress, remoteAddress);
    boolean revoked =
        entries.stream()
            .anyMatch(
                e ->
                    "revoked".equals(e.entry().getMarker())
                        && KeyUtils.compareKeys(e.key(), serverKey));
    if (revoked) {
      refusal.set("host key of " + host.display() + " is revoked in known_hosts");
      return false;
    }
    List<PublicKey> known = lookup(connectAddress, remoteAddress, config);
    if (known.stream().anyMatch(k -> KeyUtils.compareKeys(k, serverKey))) {
      return true;
    }
    refusal.set(
        "host key of "
            + host.display()
            + (known.isEmpty()
                ? " is not in known_hosts"
                : " does not match known_hosts (the server's key changed, or it is another"
                    + " server)"));
    return false;
  }

  /** JGit names the host as ssh does in known_hosts: "host", or "[host]:port" off port 22. */
  private record HostPort(String host, int port) {
    static HostPort of(String connectAddress, InetSocketAddress remoteAddress) {
      if (connectAddress.startsWith("[")) {
        int end = connectAddress.indexOf("]:");
        if (end > 0) {
          return new HostPort(
              connectAddress.substring(1, end),
              Integer.parseInt(connectAddress.substring(end + 2)));
        }
      }
      return new HostPort(connectAddress, remoteAddress.getPort());
    }

    String display() {
      return port == 22 ? host : "[" + host + "]:" + port;
    }
  }
}
