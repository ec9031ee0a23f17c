package io.dbtoperator.run;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Artifacts in an S3 bucket or an S3-compatible store (MinIO, Ceph, S3Proxy...), under a key
 * prefix. Uploads and downloads stream from and to files; files larger than {@link
 * #MULTIPART_THRESHOLD_BYTES} go up in parts.
 *
 * <p>Uploads go through an {@link S3AsyncClient} with the SDK's own Java multipart support ({@code
 * multipartEnabled}): it splits a file body into parts read from disk on demand and sends them in
 * parallel, without the native CRT client or the separate transfer manager module. Reads use a
 * blocking-stream transformer, so the caller reads the body as it arrives.
 */
public final class S3ArtifactStore implements ArtifactStore {
  public static final long MULTIPART_THRESHOLD_BYTES = 16L * 1024 * 1024;
  public static final long PART_SIZE_BYTES = 8L * 1024 * 1024;
  public static final int MAX_ATTEMPTS = 3;
  public static final String DEFAULT_REGION = "us-east-1";

  // S3 accepts at most 1000 keys in one DeleteObjects request.
  private static final int DELETE_BATCH = 1000;

  /**
   * Where the bucket is and how to sign requests.
   *
   * @param prefix key prefix without leading or trailing '/', "" for none
   * @param endpoint null for AWS itself
   * @param credentials null for the SDK's default provider chain (environment, profile, web
   *     identity, container or instance role)
   */
  public record Settings(
      String bucket,
      String prefix,
      String region,
      URI endpoint,
      boolean pathStyle,
      StaticCredentials credentials) {}

  /**
   * Access keys, with where each came from so that errors can say which setting to fix without
   * showing the secret.
   */
  public record StaticCredentials(
      String accessKeyId,
      String secretAccessKey,
      String sessionToken,
      String accessKeyIdSource,
      String secretAccessKeySource) {
    @Override
    public String toString() {
      return "StaticCredentials[accessKeyId from "
          + accessKeyIdSource
          + ", secretAccessKey from "
          + secretAccessKeySource
          + "]";
    }
  }

  private final Settings settings;
  private final EventLoopGroup eventLoops;
  private final SdkAsyncHttpClient http;
  private final S3AsyncClient uploads;
  private final S3AsyncClient client;
  private final S3Failures failures;

  public S3ArtifactStore(Settings settings) {
    this.settings = settings;
    // Our own event loops, because the SDK waits out their two-second shutdown quiet period in
    // close(), which made every close (every CLI command) two seconds longer; see close().
    this.eventLoops = new NioEventLoopGroup(0, new DefaultThreadFactory("s3-artifacts", true));
    // No overall call timeout: a call's duration grows with the object's size. Every socket wait
    // is bounded instead, so a stalled server fails the attempt.
    this.http =
        NettyNioAsyncHttpClient.builder()
            .eventLoopGroup(SdkEventLoopGroup.create(eventLoops))
            .connectionTimeout(Duration.ofSeconds(10))
            .connectionAcquisitionTimeout(Duration.ofSeconds(60))
            .readTimeout(Duration.ofSeconds(60))
            .writeTimeout(Duration.ofSeconds(60))
            .maxConcurrency(16)
            .build();
    this.uploads = S3Clients.build(settings, http, true);
    this.client = S3Clients.build(settings, http, false);
    this.failures = new S3Failures(settings, toString());
  }

  /** The client of every call but uploads, for tests to look at the bucket. */
  S3AsyncClient client() {
    return client;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String putRunFile(
      ProjectKey project, String schema, String runId, String fileName, Path file) {
    String key = key(ArtifactKeys.runFile(project, schema, runId, fileName));
    upload(key, file);
    return uri(key);
  }

  @Override
  public String runFileLocation(ProjectKey project, String schema, String runId, String fileName) {
    return uri(key(ArtifactKeys.runFile(project, schema, runId, fileName)));
  }

  @Override
  public Optional<InputStream> openRunFile(
      ProjectKey project, String schema, String runId, String fileName) {
    return download(key(ArtifactKeys.runFile(project, schema, runId, fileName)));
  }

  @Override
  public void putManifest(ProjectKey project, String commitSha, Path manifestJson) {
    upload(key(ArtifactKeys.manifest(project, commitSha)), manifestJson);
  }

  @Override
  public Optional<InputStream> openManifest(ProjectKey project, String commitSha) {
    return download(key(ArtifactKeys.manifest(project, commitSha)));
  }

  @Override
  public List<String> manifestCommits(ProjectKey project) {
    String dir = key(ArtifactKeys.manifestDir(project));
    List<String> commits = new ArrayList<>();
    for (String key : list(dir)) {
      String name = key.substring(dir.length());
      String commit = name.contains("/") ? null : ArtifactKeys.commitOfManifest(name);
      if (commit != null) {
        commits.add(commit);
      }
    }
    return commits;
  }

  @Override
  public void retainOnlyManifest(ProjectKey project, String keepCommitSha) {
    delete(
        ArtifactKeys.otherCommits(manifestCommits(project), keepCommitSha).stream()
            .map(commit -> key(ArtifactKeys.manifest(project, commit)))
            .toList());
  }

  @Override
  public void putPartialParse(ProjectKey project, String parseKey, Path msgpack) {
    String target = key(ArtifactKeys.partialParse(project, parseKey));
    upload(target, msgpack);
    delete(
        list(key(ArtifactKeys.partialParseDir(project))).stream()
            .filter(stored -> !stored.equals(target))
            .toList());
  }

  @Override
  public Optional<InputStream> openPartialParse(ProjectKey project, String parseKey) {
    return download(key(ArtifactKeys.partialParse(project, parseKey)));
  }

  @Override
  public void putDocs(ProjectKey project, Path docsDir) {
    String dir = key(ArtifactKeys.docsDir(project));
    Set<String> uploaded = new HashSet<>();
    ArtifactKeys.docsFiles(this, docsDir)
        .forEach(
            (relativePath, file) -> {
              upload(dir + relativePath, file);
              uploaded.add(dir + relativePath);
            });
    delete(list(dir).stream().filter(key -> !uploaded.contains(key)).toList());
  }

  @Override
  public void close() {
    uploads.close();
    client.close();
    http.close();
    eventLoops
        .shutdownGracefully(0, 10, TimeUnit.SECONDS)
        .awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "s3://" + settings.bucket() + "/" + settings.prefix();
  }

  private String key(String relativeKey) {
    return settings.prefix().isEmpty() ? relativeKey : settings.prefix() + "/" + relativeKey;
  }

  private String uri(String key) {
    return "s3://" + settings.bucket() + "/" + key;
  }

  private void upload(String key, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ArtifactStoreException(
          "artifact store " + this + ": upload of " + file + " failed: no such file");
    }
    try {
      uploads
          .putObject(
              request -> request.bucket(settings.bucket()).key(key).contentType(contentType(key)),
              AsyncRequestBody.fromFile(file))
          .join();
    } catch (CompletionException | SdkClientException | S3Exception e) {
      throw failures.of("upload of " + file + " to " + uri(key), e);
    }
  }

  private Optional<InputStream> download(String key) {
    try {
      ResponseInputStream<GetObjectResponse> body =
          client
              .getObject(
                  request -> request.bucket(settings.bucket()).key(key),
                  AsyncResponseTransformer.toBlockingInputStream())
              .join();
      return Optional.of(body);
    } catch (CompletionException | SdkClientException | S3Exception e) {
      if (S3Failures.unwrap(e) instanceof NoSuchKeyException) {
        return Optional.empty();
      }
      throw failures.of("read of " + uri(key), e);
    }
  }

  private List<String> list(String keyPrefix) {
    List<String> keys = new ArrayList<>();
    String continuation = null;
    try {
      do {
        String token = continuation;
        ListObjectsV2Response page =
            client
                .listObjectsV2(
                    request ->
                        request
                            .bucket(settings.bucket())
                            .prefix(keyPrefix)
                            .continuationToken(token))
                .join();
        page.contents().stream().map(S3Object::key).forEach(keys::add);
        continuation = page.isTruncated() ? page.nextContinuationToken() : null;
      } while (continuation != null);
    } catch (CompletionException | SdkClientException | S3Exception e) {
      throw failures.of("listing of " + uri(keyPrefix), e);
    }
    return keys;
  }

  private void delete(List<String> keys) {
    for (int start = 0; start < keys.size(); start += DELETE_BATCH) {
      List<ObjectIdentifier> batch =
          keys.subList(start, Math.min(keys.size(), start + DELETE_BATCH)).stream()
              .map(key -> ObjectIdentifier.builder().key(key).build())
              .toList();
      DeleteObjectsResponse response;
      try {
        response =
            client
                .deleteObjects(
                    request ->
                        request
                            .bucket(settings.bucket())
                            .delete(delete -> delete.objects(batch).quiet(true)))
                .join();
      } catch (CompletionException | SdkClientException | S3Exception e) {
        throw failures.of("delete of " + batch.size() + " objects under " + uri(""), e);
      }
      if (!response.errors().isEmpty()) {
        var first = response.errors().get(0);
        throw new ArtifactStoreException(
            "artifact store "
                + this
                + ": delete of "
                + response.errors().size()
                + " objects failed, first "
                + uri(first.key())
                + ": "
                + first.code()
                + " "
                + first.message());
      }
    }
  }

  private static String contentType(String key) {
    if (key.endsWith(".json")) {
      return "application/json";
    }
    if (key.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (key.endsWith(".log")) {
      return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
  }
}
