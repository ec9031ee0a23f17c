package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.TestProject;
import io.dbtoperator.git.SshGitServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkout init container's command over SSH against a real SSH git server (Apache MINA sshd in
 * this JVM), with the git Secret laid out as its volume mounts it: one file per key.
 */
class CheckoutSshIT {
  @TempDir Path temp;

  private final KeyPair clientKey = SshGitServer.ed25519();
  private final byte[] privateKey = SshGitServer.openSsh(clientKey, null);
  private SshGitServer server;
  private String commit;
  private Path mounted;

  record Result(int exitCode, String out, String err) {}

  @BeforeEach
  void serve() throws Exception {
    TestProject project = TestProject.shop(temp.resolve("served/shop"));
    commit = project.commit("v1");
    server = SshGitServer.start(temp.resolve("served"), clientKey.getPublic());
    mounted = Files.createDirectories(temp.resolve("etc/git"));
    Files.write(mounted.resolve("ssh-privatekey"), privateKey);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private Result checkout(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "checkout",
                "--url",
                server.url("shop/.git"),
                "--commit",
                commit,
                "--dest",
                temp.resolve("workspace/repo").toString(),
                "--credentials",
                mounted.toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    Result result = new Result(code, out.toString(), err.toString());
    String keyLine = new String(privateKey, StandardCharsets.UTF_8).split("\n")[2];
    assertThat(result.out() + result.err()).doesNotContain(keyLine).doesNotContain("PRIVATE KEY");
    return result;
  }

  @Test
  void clonesTheCommitWithTheMountedKeyAndKnownHosts() throws Exception {
    Files.writeString(mounted.resolve("known_hosts"), server.knownHosts());
    Result result =
        checkout("--ssh-private-key-key", "ssh-privatekey", "--known-hosts-key", "known_hosts");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("checked out " + commit);
    assertThat(temp.resolve("workspace/repo/dbt_project.yml")).exists();
  }

  @Test
  void anUnknownHostKeyFailsInOneLineNamingTheUrl() throws Exception {
    Files.writeString(
        mounted.resolve("known_hosts"),
        SshGitServer.knownHostsLine(server.port(), SshGitServer.ed25519().getPublic()));
    Result result = checkout();
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err().strip())
        .isEqualTo(
            "error: --url: host key of [127.0.0.1]:"
                + server.port()
                + " does not match known_hosts (the server's key changed, or it is another"
                + " server)");
    assertThat(temp.resolve("workspace/repo/dbt_project.yml")).doesNotExist();
  }

  @Test
  void aMissingKnownHostsFileIsNamed() {
    Result result = checkout("--known-hosts-key", "hosts");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("--known-hosts-key: no file ").contains("hosts");
    assertThat(result.err().strip()).doesNotContain("\n");
  }
}
