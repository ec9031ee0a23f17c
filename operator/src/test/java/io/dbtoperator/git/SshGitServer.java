package io.dbtoperator.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A git server over SSH in the test JVM (Apache MINA sshd, which JGit's SSH client already brings):
 * serves {@code git-upload-pack} for the repositories under a directory to one client key. Real
 * SSH: key exchange, host key, public-key authentication.
 */
public final class SshGitServer implements AutoCloseable {
  private final SshServer server;
  private final KeyPair hostKey;

  private SshGitServer(SshServer server, KeyPair hostKey) {
    this.server = server;
    this.hostKey = hostKey;
  }

  /** Serves the repositories under root (by path relative to it) to the holder of clientKey. */
  static {
    io.dbtoperator.BouncyCastle.register();
  }

  public static SshGitServer start(Path root, PublicKey clientKey) throws IOException {
    KeyPair hostKey = ed25519();
    SshServer server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPublickeyAuthenticator(
        (user, key, session) -> "git".equals(user) && KeyUtils.compareKeys(key, clientKey));
    server.setCommandFactory(uploadPack(root));
    server.start();
    return new SshGitServer(server, hostKey);
  }

  public int port() {
    return server.getPort();
  }

  /** ssh://git@127.0.0.1:PORT/PATH */
  public String url(String path) {
    return "ssh://git@127.0.0.1:" + port() + "/" + path;
  }

  /** The known_hosts line of this server. */
  public String knownHosts() {
    return knownHostsLine(port(), hostKey.getPublic());
  }

  public static String knownHostsLine(int port, PublicKey key) {
    return "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(key) + "\n";
  }

  public static KeyPair ed25519() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair rsa() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 2048);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The private key in OpenSSH format, encrypted when passphrase is not null. */
  public static byte[] openSsh(KeyPair key, String passphrase) {
    OpenSSHKeyEncryptionContext options = null;
    if (passphrase != null) {
      options = new OpenSSHKeyEncryptionContext();
      options.setPassword(passphrase);
      options.setCipherName("AES");
      options.setCipherType("256");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "test", options, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }

  private static CommandFactory uploadPack(Path root) {
    return (channel, command) -> {
      List<String> words = CommandFactory.split(command);
      if (words.size() != 2 || !"git-upload-pack".equals(words.get(0))) {
        throw new IOException("unsupported command: " + command);
      }
      Path dir = root.resolve(words.get(1).replaceFirst("^/+", "")).normalize();
      if (!dir.startsWith(root)) {
        throw new IOException("outside the served directory: " + command);
      }
      return new UploadPackCommand(dir);
    };
  }

  /** One git-upload-pack, on its own thread as sshd expects of a command. */
  private static final class UploadPackCommand implements Command {
    private final Path dir;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;

    UploadPackCommand(Path dir) {
      this.dir = dir;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
      this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      Thread thread = new Thread(this::serve, "ssh-upload-pack");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve() {
      try (Repository repository =
          new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build()) {
        new UploadPack(repository).upload(in, out, err);
        out.flush();
        exit.onExit(0);
      } catch (IOException e) {
        try {
          err.write((e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
          err.flush();
        } catch (IOException second) {
          e.addSuppressed(second);
        }
        exit.onExit(1, String.valueOf(e.getMessage()));
      }
    }

    @Override
    public void destroy(ChannelSession channel) {
      // Nothing to release: the repository is closed by the serving thread.
    }
  }
}
