package io.dbtoperator.run;

import io.dbtoperator.run.S3ArtifactStore.Settings;
import io.dbtoperator.run.S3ArtifactStore.StaticCredentials;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;

/** The S3 clients of {@link S3ArtifactStore}, set up for AWS and for S3-compatible servers. */
final class S3Clients {
  private S3Clients() {}

  /**
   * Builds a client on {@code http}, which it does not close. Uploads need {@code multipart}; every
   * other call uses a client without it, because the multipart client reads an object that was
   * uploaded in parts with one GET per part, which S3-compatible servers often refuse (S3Proxy:
   * "Reading one part of a multipart object is not supported") and which gains nothing for a stream
   * read front to back.
   */
  static S3AsyncClient build(Settings settings, SdkAsyncHttpClient http, boolean multipart) {
    S3AsyncClientBuilder builder =
        S3AsyncClient.builder()
            .httpClient(http)
            .region(Region.of(settings.region()))
            .forcePathStyle(settings.pathStyle())
            .credentialsProvider(credentialsProvider(settings.credentials()))
            // Since SDK 2.30 the client adds CRC checksums to every upload and validates them on
            // every download by default; many S3-compatible servers reject or lack those headers.
            // WHEN_REQUIRED keeps checksums to the operations S3 itself requires them for, and
            // the MD5 plugin sends those (DeleteObjects) as Content-MD5, which such servers know.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .addPlugin(LegacyMd5Plugin.create())
            .overrideConfiguration(
                override ->
                    override.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(S3ArtifactStore.MAX_ATTEMPTS)
                            .build()));
    if (multipart) {
      builder
          .multipartEnabled(true)
          .multipartConfiguration(
              config ->
                  config
                      .thresholdInBytes(S3ArtifactStore.MULTIPART_THRESHOLD_BYTES)
                      .minimumPartSizeInBytes(S3ArtifactStore.PART_SIZE_BYTES));
    }
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
      builder.overrideConfiguration(
          override -> override.addExecutionInterceptor(new WithoutMultipartObjectSize()));
    }
    return builder.build();
  }

  /**
   * Leaves out the x-amz-mp-object-size header the SDK's multipart upload adds to
   * CompleteMultipartUpload: AWS uses it as an extra size check, but S3-compatible servers that
   * refuse headers they don't know (S3Proxy answers 501 NotImplemented) would fail every large
   * upload. Only installed for an endpoint other than AWS.
   */
  private static final class WithoutMultipartObjectSize implements ExecutionInterceptor {
    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof CompleteMultipartUploadRequest complete
          && complete.mpuObjectSize() != null) {
        return complete.toBuilder().mpuObjectSize(null).build();
      }
      return context.request();
    }
  }

  private static AwsCredentialsProvider credentialsProvider(StaticCredentials credentials) {
    if (credentials == null) {
      return DefaultCredentialsProvider.builder().build();
    }
    if (credentials.sessionToken() != null) {
      return StaticCredentialsProvider.create(
          AwsSessionCredentials.create(
              credentials.accessKeyId(),
              credentials.secretAccessKey(),
              credentials.sessionToken()));
    }
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey()));
  }
}
