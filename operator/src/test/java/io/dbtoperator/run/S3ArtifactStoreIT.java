package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dbtoperator.FreePort;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.run.S3ArtifactStore.Settings;
import io.dbtoperator.run.S3ArtifactStore.StaticCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Runs the contract against the S3 API of S3Proxy with an in-memory ("transient") blob store,
 * started from its self-contained jar as a separate process (see operator/pom.xml for why).
 */
class S3ArtifactStoreIT extends ArtifactStoreContract {
  private static final String ACCESS_KEY_ID = "dbt-operator-it";
  private static final String SECRET_ACCESS_KEY = "it-secret-Zq8vX2pL";
  private static final String PREFIX = "dbt/prod";
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private static Process s3proxy;
  private static Path s3proxyDir;
  private static URI endpoint;

  private String bucket;
  private S3ArtifactStore bucketStore;
  private S3AsyncClient bucketClient;
  private final List<ArtifactStore> extraStores = new ArrayList<>();

  @BeforeAll
  static void startS3Proxy() throws IOException {
    Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar"));
    assertThat(jar).as("S3Proxy jar, copied in the pre-integration-test phase").isRegularFile();
    int port = FreePort.pick();
    endpoint = URI.create("http://127.0.0.1:" + port);
    s3proxyDir = Files.createTempDirectory("s3proxy");
    Path properties =
        Files.writeString(
            s3proxyDir.resolve("s3proxy.properties"),
            String.join(
                "\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY_ID,
                "s3proxy.credential=" + SECRET_ACCESS_KEY,
                "jclouds.provider=transient",
                "jclouds.identity=unused",
                "jclouds.credential=unused",
                ""));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    s3proxy =
        new ProcessBuilder(
                java.toString(),
                "-Xmx512m",
                "-jar",
                jar.toString(),
                "--properties",
                properties.toString())
            .redirectErrorStream(true)
            .redirectOutput(s3proxyDir.resolve("s3proxy.log").toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              assertThat(s3proxy.isAlive())
                  .as("S3Proxy still running; log in %s", s3proxyDir)
                  .isTrue();
              return accepts(port);
            });
  }

  @AfterAll
  static void stopS3Proxy() throws InterruptedException {
    if (s3proxy != null) {
      s3proxy.destroy();
      if (!s3proxy.waitFor(20, TimeUnit.SECONDS)) {
        s3proxy.destroyForcibly().waitFor();
      }
    }
  }

  @AfterEach
  void closeClients() {
    extraStores.forEach(ArtifactStore::close);
    if (bucketStore != null) {
      bucketStore.close();
    }
  }

  private static Settings settings(String bucket, StaticCredentials credentials) {
    return new Settings(bucket, PREFIX, "us-east-1", endpoint, true, credentials);
  }

  private static StaticCredentials goodCredentials() {
    return new StaticCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, null, "test", "test");
  }

  @Override
  protected ArtifactStore openStore() {
    bucket = "artifacts-" + BUCKETS.incrementAndGet();
    Settings settings = settings(bucket, goodCredentials());
    // A second store whose plain client looks at the bucket around the store under test.
    bucketStore = new S3ArtifactStore(settings);
    bucketClient = bucketStore.client();
    bucketClient.createBucket(request -> request.bucket(bucket)).join();
    return new S3ArtifactStore(settings);
  }

  private ArtifactStore openExtra(ArtifactLocation location) {
    ArtifactStore extra = location.open();
    extraStores.add(extra);
    return extra;
  }

  @Override
  protected List<String> storedKeys() {
    return bucketClient.listObjectsV2(request -> request.bucket(bucket)).join().contents().stream()
        .map(S3Object::key)
        .map(key -> key.startsWith(PREFIX + "/") ? key.substring(PREFIX.length() + 1) : key)
        .sorted()
        .toList();
  }

  @Override
  protected String storedContent(String key) {
    return bucketClient
        .getObject(
            request -> request.bucket(bucket).key(PREFIX + "/" + key),
            AsyncResponseTransformer.toBytes())
        .join()
        .asString(StandardCharsets.UTF_8);
  }

  @Override
  protected String locationOf(String key) {
    return "s3://" + bucket + "/" + PREFIX + "/" + key;
  }

  @Override
  protected void checkLargeManifest(String key) {
    HeadObjectResponse head =
        bucketClient.headObject(request -> request.bucket(bucket).key(PREFIX + "/" + key)).join();
    long parts = LARGE_SIZE / S3ArtifactStore.PART_SIZE_BYTES;
    assertThat(head.contentLength()).isEqualTo(LARGE_SIZE);
    // A multipart object's ETag is the digest of its parts' digests, followed by their count.
    assertThat(head.eTag()).matches("\"[0-9a-f]{32}-" + parts + "\"");
  }

  @Test
  void aMissingBucketIsNamed() throws IOException {
    ArtifactStore missing =
        openExtra(new ArtifactLocation.S3(settings("no-such-bucket", goodCredentials())));
    Path manifest = file("manifest.json", "{}");

    assertThatThrownBy(() -> missing.putManifest(PROJECT, SHA_1, manifest))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessage(
            "artifact store s3://no-such-bucket/dbt/prod: upload of "
                + manifest
                + " to s3://no-such-bucket/dbt/prod/analytics/jaffle/manifest/"
                + SHA_1
                + ".json failed: bucket \"no-such-bucket\" does not exist at "
                + endpoint);
    assertThatThrownBy(() -> missing.openManifest(PROJECT, SHA_1))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageEndingWith("failed: bucket \"no-such-bucket\" does not exist at " + endpoint);
  }

  @Test
  void anUnknownAccessKeyIdNamesItsVariable() throws IOException {
    ArtifactStore wrongKey =
        openExtra(
            ArtifactLocation.parse(
                "s3://" + bucket + "/" + PREFIX + "?endpoint=" + endpoint,
                Map.of(
                    "AWS_ACCESS_KEY_ID",
                    "unknown-key-id",
                    "AWS_SECRET_ACCESS_KEY",
                    SECRET_ACCESS_KEY)));

    assertUploadRefused(
        wrongKey,
        "failed: the access key id from environment variable AWS_ACCESS_KEY_ID is not known to "
            + endpoint,
        SECRET_ACCESS_KEY);
  }

  @Test
  void aWrongSecretKeyNamesTheSecretKeyWithoutShowingIt() throws IOException {
    String wrongSecret = "wrong-secret-Kd93hF";
    DbtProjectSpec.Artifacts spec =
        new DbtProjectSpec.Artifacts(
            DbtProjectSpec.ArtifactsType.s3,
            new DbtProjectSpec.S3(
                bucket,
                "/" + PREFIX + "/",
                null,
                endpoint.toString(),
                null,
                new DbtProjectSpec.S3SecretRef("s3-creds", null, null)),
            null);
    Map<String, String> secret =
        Map.of("accessKeyId", ACCESS_KEY_ID, "secretAccessKey", wrongSecret);
    ArtifactStore wrongSecretStore =
        openExtra(
            ArtifactLocation.fromSpec(
                spec,
                (name, key) ->
                    name.equals("s3-creds")
                        ? Optional.ofNullable(secret.get(key))
                        : Optional.empty(),
                Map.of()));

    assertUploadRefused(
        wrongSecretStore,
        "failed: the signature was refused: the secret access key from Secret \"s3-creds\" key"
            + " \"secretAccessKey\" (spec.artifacts.s3.credentialsSecretRef.secretAccessKeyKey)"
            + " does not belong to the access key id from Secret \"s3-creds\" key"
            + " \"accessKeyId\" (spec.artifacts.s3.credentialsSecretRef.accessKeyIdKey)",
        wrongSecret);
  }

  @Test
  void anUnreachableEndpointIsNamed() throws IOException {
    URI nowhere = URI.create("http://127.0.0.1:" + FreePort.pick());
    ArtifactStore unreachable =
        openExtra(
            new ArtifactLocation.S3(
                new Settings(bucket, PREFIX, "us-east-1", nowhere, true, goodCredentials())));

    assertThatThrownBy(() -> unreachable.manifestCommits(PROJECT))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageStartingWith(
            "artifact store s3://"
                + bucket
                + "/dbt/prod: listing of s3://"
                + bucket
                + "/dbt/prod/analytics/jaffle/manifest/ failed: cannot reach "
                + nowhere
                + " after 3 attempts: ")
        // The SDK's netty pool reports a refused connection as such, or, on a loaded machine (a
        // CI run), sometimes only as its acquire timeout; either way the endpoint is named.
        .hasMessageMatching(
            "(?s).*(Connection refused|Acquire operation took longer than 60000 milliseconds).*");
  }

  /** Checks the refusal's message, and that no message in its cause chain shows the secret. */
  private void assertUploadRefused(ArtifactStore refused, String messageEnd, String secret)
      throws IOException {
    Path manifest = file("manifest.json", "{}");
    Throwable thrown = catchThrowable(() -> refused.putManifest(PROJECT, SHA_1, manifest));

    assertThat(thrown).isInstanceOf(ArtifactStoreException.class).hasMessageEndingWith(messageEnd);
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      assertThat(t.toString()).doesNotContain(secret);
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
