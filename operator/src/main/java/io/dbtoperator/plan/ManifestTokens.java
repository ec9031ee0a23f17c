package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The values of a streamed manifest the reader takes apart: scalars, lists, checksums, paths. */
final class ManifestTokens {
  private final JsonParser parser;
  private final MessageDigest sha256;

  ManifestTokens(JsonParser parser) {
    this.parser = parser;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  /** dbt writes {"name": "sha256", "checksum": "..."}; a bare string is accepted as well. */
  String checksum(JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      return text();
    }
    String checksum = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      parser.nextToken();
      if (key.equals("checksum")) {
        checksum = text();
      } else {
        parser.skipChildren();
      }
    }
    return checksum;
  }

  record DependsOn(List<String> nodes, List<String> macros) {
    static final DependsOn NONE = new DependsOn(List.of(), List.of());
  }

  DependsOn dependsOn(JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      parser.skipChildren();
      return DependsOn.NONE;
    }
    List<String> dependsOnNodes = List.of();
    List<String> dependsOnMacros = List.of();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken list = parser.nextToken();
      switch (key) {
        case "nodes" -> dependsOnNodes = strings(list);
        case "macros" -> dependsOnMacros = strings(list);
        default -> parser.skipChildren();
      }
    }
    return new DependsOn(dependsOnNodes, dependsOnMacros);
  }

  /**
   * dbt writes paths with the separator of the machine that parsed; git diffs always use '/', so a
   * Windows path would match no changed file and the manifest/commit check would compare nothing.
   */
  String filePath() throws IOException {
    String path = text();
    return path == null ? null : path.replace('\\', '/');
  }

  String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256.digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** The current scalar as text; null for JSON null, and for objects or arrays (skipped). */
  String text() throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token.isScalarValue()) {
      return parser.getText();
    }
    parser.skipChildren();
    return null;
  }

  List<String> strings(JsonToken list) throws IOException {
    if (list != JsonToken.START_ARRAY) {
      parser.skipChildren();
      return List.of();
    }
    List<String> result = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      String item = text();
      if (item != null) {
        result.add(item);
      }
    }
    return List.copyOf(result);
  }
}
