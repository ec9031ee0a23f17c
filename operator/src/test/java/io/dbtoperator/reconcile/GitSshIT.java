package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.TestProject;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.git.SshGitServer;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's clone cache over SSH against a real SSH git server (Apache MINA sshd in this JVM):
 * the key and known_hosts come from a Secret on fabric8's mock API server; host keys are checked
 * strictly; no problem message or log line carries the key.
 */
@EnableKubernetesMockClient(crud = true)
class GitSshIT {
  private static final String NS = "data";

  KubernetesClient client;

  @TempDir Path temp;

  private final KeyPair clientKey = SshGitServer.ed25519();
  private final String privateKey =
      new String(SshGitServer.openSsh(clientKey, null), StandardCharsets.UTF_8);
  private TestProject project;
  private SshGitServer server;

  @BeforeEach
  void serve() throws Exception {
    project = TestProject.shop(temp.resolve("served/shop"));
    server = SshGitServer.start(temp.resolve("served"), clientKey.getPublic());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private void secret(Map<String, String> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("git-ssh")
                .withNamespace(NS)
                .endMetadata()
                .withType("kubernetes.io/ssh-auth")
                .withData(encoded)
                .build())
        .createOr(r -> r.update());
  }

  private DbtProjectSpec.Git git(String knownHostsKey) {
    return new DbtProjectSpec.Git(
        server.url("shop/.git"),
        "main",
        null,
        new DbtProjectSpec.GitSecretRef("git-ssh", null, null, knownHostsKey),
        ".");
  }

  private JGitRepository open(DbtProjectSpec.Git git) {
    return new GitCache(temp.resolve("cache")).open(NS, "shop", git, new Secrets(client, NS));
  }

  @Test
  void clonesThenFetchesWithTheKeyOfAnSshAuthSecret() {
    String v1 = project.commit("v1");
    secret(Map.of("ssh-privatekey", privateKey, "known_hosts", server.knownHosts()));
    try (JGitRepository repository = open(git(null))) {
      assertThat(repository.resolve("main")).isEqualTo(v1);
    }
    project.edit("model.shop.orders", "select 2 as id");
    String v2 = project.commit("v2");
    try (JGitRepository repository = open(git(null))) {
      assertThat(repository.resolve("main")).isEqualTo(v2);
      assertThat(repository.read(v2, ".", "dbt_project.yml")).isPresent();
    }
  }

  @Test
  void keyNamesAreConfigurable() {
    String v1 = project.commit("v1");
    secret(Map.of("deploy-key", privateKey, "hosts", server.knownHosts()));
    DbtProjectSpec.Git git =
        new DbtProjectSpec.Git(
            server.url("shop/.git"),
            "main",
            null,
            new DbtProjectSpec.GitSecretRef("git-ssh", null, "deploy-key", "hosts"),
            ".");
    try (JGitRepository repository = open(git)) {
      assertThat(repository.resolve("main")).isEqualTo(v1);
    }
  }

  @Test
  void anotherHostKeyIsRefusedInOneLine() {
    project.commit("v1");
    KeyPair impostor = SshGitServer.ed25519();
    secret(
        Map.of(
            "ssh-privatekey",
            privateKey,
            "known_hosts",
            SshGitServer.knownHostsLine(server.port(), impostor.getPublic())));
    SpecProblem problem = captureLogs(() -> assertProblem(git(null)));
    assertThat(problem.reason()).isEqualTo("HostKeyNotTrusted");
    assertThat(problem.getMessage())
        .startsWith(
            "spec.git.url: host key of [127.0.0.1]:"
                + server.port()
                + " does not match known_hosts");
  }

  @Test
  void aHostNotInKnownHostsIsRefused() {
    project.commit("v1");
    KeyPair other = SshGitServer.ed25519();
    secret(
        Map.of(
            "ssh-privatekey",
            privateKey,
            "known_hosts",
            "git.example.com "
                + SshGitServer.knownHostsLine(22, other.getPublic()).split(" ", 2)[1]));
    SpecProblem problem = captureLogs(() -> assertProblem(git(null)));
    assertThat(problem.getMessage())
        .isEqualTo(
            "spec.git.url: host key of [127.0.0.1]:" + server.port() + " is not in known_hosts");
  }

  @Test
  void aMissingKnownHostsKeyIsASpecProblem() {
    secret(Map.of("ssh-privatekey", privateKey));
    SpecProblem problem = assertProblem(git(null));
    assertThat(problem.reason()).isEqualTo("SecretKeyNotFound");
    assertThat(problem.getMessage())
        .startsWith(
            "spec.git.secretRef: secret \"git-ssh\" has no known_hosts key \"known_hosts\"");
  }

  @Test
  void anEncryptedKeyIsASpecProblem() {
    secret(
        Map.of(
            "ssh-privatekey",
            new String(SshGitServer.openSsh(clientKey, "pass phrase"), StandardCharsets.UTF_8),
            "known_hosts",
            server.knownHosts()));
    SpecProblem problem = assertProblem(git(null));
    assertThat(problem.reason()).isEqualTo("InvalidGitCredentials");
    assertThat(problem.getMessage())
        .startsWith(
            "spec.git.secretRef: key \"ssh-privatekey\" of secret \"git-ssh\" is an encrypted SSH"
                + " private key");
  }

  @Test
  void aKeyTheServerDoesNotKnowIsUnreachableWithoutTheKeyInTheMessage() {
    project.commit("v1");
    String stranger =
        new String(SshGitServer.openSsh(SshGitServer.rsa(), null), StandardCharsets.UTF_8);
    secret(Map.of("ssh-privatekey", stranger, "known_hosts", server.knownHosts()));
    SpecProblem problem = captureLogs(() -> assertProblem(git(null)), stranger);
    assertThat(problem.reason()).isEqualTo("GitUnreachable");
    assertThat(problem.getMessage()).startsWith("spec.git.url: cannot fetch " + server.url(""));
  }

  @Test
  void aTokenKeyWithAnSshUrlIsASpecProblem() {
    DbtProjectSpec.Git git =
        new DbtProjectSpec.Git(
            server.url("shop/.git"),
            "main",
            null,
            new DbtProjectSpec.GitSecretRef("git-ssh", "token", null, null),
            ".");
    assertThat(assertProblem(git).getMessage()).startsWith("spec.git.secretRef.tokenKey:");
  }

  private SpecProblem assertProblem(DbtProjectSpec.Git git) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> open(git).close());
    assertThat(thrown).isInstanceOf(SpecProblem.class);
    SpecProblem problem = (SpecProblem) thrown;
    assertThat(problem.getMessage()).doesNotContain("\n").doesNotContain("PRIVATE KEY");
    assertThat(problem.getMessage()).doesNotContain(keyBody(privateKey));
    return problem;
  }

  /**
   * Runs a failing open with stderr (where slf4j-simple logs) captured: what JGit and sshd log
   * holds no private key and no stack trace.
   */
  private SpecProblem captureLogs(Supplier<SpecProblem> action, String... otherKeys) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    SpecProblem problem;
    try {
      problem = action.get();
    } finally {
      System.setErr(original);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    original.print(logs);
    assertThat(logs).doesNotContain(keyBody(privateKey)).doesNotContain("\tat ");
    for (String key : otherKeys) {
      assertThat(logs).doesNotContain(keyBody(key));
    }
    return problem;
  }

  /** A line from the middle of a PEM-style key: what a leak of it would contain. */
  private static String keyBody(String key) {
    String[] lines = key.split("\n");
    return lines[lines.length / 2];
  }
}
