package io.dbtoperator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * fabric8's in-memory API server, for trying the operator where no kube-apiserver is built. It
 * stores and watches resources like the real one, but has no controllers (CronJobs don't fire, no
 * garbage collection), no admission (the CRDs' validation is not applied) and no log proxy to the
 * kubelet.
 */
public final class MockApiServer implements AutoCloseable {
  // It logs every request through java.util.logging; a strong reference keeps the level set.
  private static final java.util.logging.Logger REQUEST_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;

  private MockApiServer(KubernetesMockServer server) {
    this.server = server;
  }

  /** Starts it on loopback, over plain HTTP. */
  public static MockApiServer start() {
    REQUEST_LOG.setLevel(java.util.logging.Level.WARNING);
    VersionInfo version =
        new VersionInfo.Builder()
            .withMajor("1")
            .withMinor("34")
            .withGitVersion("v1.34.0-fabric8-mock")
            .build();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new ApplyAwareDispatcher(),
            false,
            version);
    try {
      server.init(InetAddress.getLoopbackAddress(), 0);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot start the mock API server: " + e.getMessage(), e);
    }
    return new MockApiServer(server);
  }

  public String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  public KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** Writes a kubeconfig for it, so that other processes (e.g. a clock tick) reach it. */
  public void writeKubeconfig(Path file) {
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        contexts: [{name: mock, context: {cluster: mock, user: mock, namespace: default}}]
        current-context: mock
        users: [{name: mock, user: {}}]
        """
            .formatted(url());
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Config config() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withNamespace("default")
        .withTrustCerts(true)
        .build();
  }

  @Override
  public void close() {
    server.destroy();
  }

  /**
   * The mock knows JSON and merge patches only; the operator and kubectl create and update with
   * server-side apply. An apply becomes a create when the object is missing and a merge patch
   * otherwise. A merge does not remove fields the applier dropped, which the operator's own objects
   * don't rely on.
   */
  private static final class ApplyAwareDispatcher extends KubernetesCrudDispatcher {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
      String contentType = request.getHeader("Content-Type");
      if (contentType == null
          || !contentType.startsWith(PatchType.SERVER_SIDE_APPLY.getContentType())) {
        return super.handlePatch(request);
      }
      // A buffer is consumed when read, so each request gets its own.
      byte[] body = asJson(request.getUtf8Body());
      String path = request.getPath();
      String withoutQuery = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
      if (withoutQuery.endsWith("/status")) {
        return applyStatus(request, withoutQuery, body);
      }
      MockResponse merged =
          super.handlePatch(
              new RecordedRequest(
                  request.getHttpVersion(),
                  HttpMethod.PATCH,
                  path,
                  request
                      .getHeaders()
                      .newBuilder()
                      .set("Content-Type", PatchType.JSON_MERGE.getContentType())
                      .build(),
                  new Buffer(body)));
      if (merged.code() != 404) {
        return merged;
      }
      String collection = withoutQuery.substring(0, withoutQuery.lastIndexOf('/'));
      return handleCreate(
          new RecordedRequest(
              request.getHttpVersion(),
              HttpMethod.POST,
              collection,
              request.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
              new Buffer(body)));
    }

    /**
     * A JSON merge patch as RFC 7386 defines it. The mock's own merge appends to arrays, so a
     * patched list of conditions would grow on every patch.
     */
    @Override
    public JsonNode merge(JsonNode existing, String patch)
        throws KubernetesCrudDispatcherException {
      try {
        return mergePatch(existing.deepCopy(), JSON.readTree(patch));
      } catch (IOException e) {
        throw new KubernetesCrudDispatcherException("invalid merge patch: " + e.getMessage(), 400);
      }
    }

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
      if (!patch.isObject()) {
        return patch;
      }
      ObjectNode result =
          target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
      patch
          .fields()
          .forEachRemaining(
              field -> {
                if (field.getValue().isNull()) {
                  result.remove(field.getKey());
                } else {
                  result.set(
                      field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
                }
              });
      return result;
    }

    /** A pod's binding, the scheduler's write the real server turns into spec.nodeName. */
    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      String path = request.getPath();
      if (!path.matches("/api/v1/namespaces/[^/]+/pods/[^/]+/binding(\\?.*)?")) {
        return super.handleCreate(request);
      }
      String body = request.getUtf8Body();
      String node;
      try {
        node = JSON.readTree(body).path("target").path("name").asText();
      } catch (IOException e) {
        return new MockResponse().setResponseCode(400).setBody("invalid binding");
      }
      String pod = path.substring(0, path.indexOf("/binding"));
      MockResponse patched =
          super.handlePatch(
              new RecordedRequest(
                  request.getHttpVersion(),
                  HttpMethod.PATCH,
                  pod,
                  request
                      .getHeaders()
                      .newBuilder()
                      .set("Content-Type", PatchType.JSON_MERGE.getContentType())
                      .build(),
                  new Buffer(
                      JSON.createObjectNode()
                          .set("spec", JSON.createObjectNode().put("nodeName", node))
                          .toString()
                          .getBytes(StandardCharsets.UTF_8))));
      return patched.code() == 200
          ? new MockResponse().setResponseCode(201).setBody(body)
          : patched;
    }

    /**
     * The applier owns the whole status (the operator is the only writer of it), so the applied
     * status replaces the stored one, and fields it dropped go, as with a real apply.
     */
    private MockResponse applyStatus(RecordedRequest request, String statusPath, byte[] body) {
      String objectPath = statusPath.substring(0, statusPath.length() - "/status".length());
      var stored = findResource(getKey(objectPath));
      if (stored == null) {
        return new MockResponse().setResponseCode(404);
      }
      try {
        ObjectNode updated = (ObjectNode) JSON.readTree(stored.getValue());
        updated.set("status", JSON.readTree(body).path("status"));
        return handleUpdate(
            new RecordedRequest(
                request.getHttpVersion(),
                HttpMethod.PUT,
                statusPath,
                request.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
                new Buffer(JSON.writeValueAsBytes(updated))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static byte[] asJson(String yamlOrJson) {
      try {
        JsonNode node = YAML.readTree(yamlOrJson);
        return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
