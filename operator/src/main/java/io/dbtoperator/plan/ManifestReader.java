package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the parts of a dbt manifest.json that planning needs.
 *
 * <p>Manifests of big projects exceed 100 MB, mostly SQL text, docs and columns, so the file is
 * streamed token by token and everything planning does not use is skipped without being
 * materialized.
 */
public final class ManifestReader {
  private static final Pattern SCHEMA_NAME =
      Pattern.compile(io.dbtoperator.api.Identifiers.IDENTIFIER);
  // Longer than any warehouse's limit; longer names are refused without being echoed whole.
  private static final int MAX_SCHEMA_LENGTH = 255;

  // Streaming only: an ObjectMapper, which the reader never needs, took a cold plan's reading
  // thread tens of milliseconds to build (docs/benchmarks.md, "Third round").
  private static final JsonFactory JSON = new JsonFactory();
  private static final Set<String> KEPT_RESOURCE_TYPES =
      Set.of("model", "seed", "snapshot", "test");

  private ManifestReader() {}

  public static Manifest read(Path file) {
    String source = file.toString();
    try {
      return read(Files.readAllBytes(file), source);
    } catch (NoSuchFileException e) {
      throw new PlanException("manifest " + source + ": file not found");
    } catch (IOException e) {
      throw new PlanException("manifest " + source + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * @param source file name or description used in error messages
   */
  public static Manifest read(InputStream in, String source) {
    try {
      return read(in.readAllBytes(), source);
    } catch (IOException e) {
      throw new PlanException("manifest " + source + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The whole document in memory, for a moment, as large as the file: the configs of its nodes are
   * then shared by their bytes (ManifestConfig).
   */
  private static Manifest read(byte[] document, String source) {
    try (JsonParser parser = JSON.createParser(document)) {
      return new Reading(parser, source, document).manifest();
    } catch (JsonProcessingException e) {
      throw invalidJson(source, e);
    } catch (IOException e) {
      throw new PlanException("manifest " + source + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static PlanException invalidJson(String source, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String reason = e.getOriginalMessage();
    int lineEnd = reason.indexOf('\n');
    if (lineEnd >= 0) {
      reason = reason.substring(0, lineEnd);
    }
    String position =
        at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new PlanException("manifest " + source + ": invalid JSON" + position + ": " + reason, e);
  }

  /** State of one pass over a manifest. */
  private static final class Reading {
    private final JsonParser parser;
    private final String source;
    private final ManifestTokens tokens;
    private final ManifestConfig configs;
    private String schemaVersionUrl;
    private String projectName;
    private String projectId;
    private String adapterType;
    private boolean sawNodes;
    private final Map<String, ManifestNode> nodes = new LinkedHashMap<>();
    private final Map<String, ManifestMacro> macros = new LinkedHashMap<>();
    private final Set<String> packages = new TreeSet<>();
    private final Map<String, ManifestHook> hooks = new LinkedHashMap<>();
    private final Map<String, VarUse> varUses = new LinkedHashMap<>();

    Reading(JsonParser parser, String source, byte[] document) throws IOException {
      this.parser = parser;
      this.source = source;
      this.tokens = new ManifestTokens(parser);
      this.configs = new ManifestConfig(parser, JSON, document);
    }

    Manifest manifest() throws IOException {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new PlanException("manifest " + source + ": the file is empty");
      }
      if (first != JsonToken.START_OBJECT) {
        throw notAManifest("the top level is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (key) {
          case "metadata" -> readMetadata(value);
          case "nodes" -> readNodes(value);
          case "macros" -> readMacros(value);
          default -> parser.skipChildren();
        }
      }
      // json.load rejects content after the document; so do we, rather than ignore half a merge.
      if (parser.nextToken() != null) {
        JsonLocation at = parser.currentTokenLocation();
        throw new PlanException(
            "manifest "
                + source
                + ": invalid JSON at line "
                + at.getLineNr()
                + ", column "
                + at.getColumnNr()
                + ": unexpected content after the end of the document");
      }
      if (schemaVersionUrl == null) {
        throw notAManifest("metadata.dbt_schema_version is missing");
      }
      if (!sawNodes) {
        throw notAManifest("it has no \"nodes\" object");
      }
      String version = ManifestVersion.of(schemaVersionUrl, source);
      return new Manifest(
          source,
          version,
          RootProject.name(source, projectName, projectId, packages, nodes.values()),
          adapterType,
          Collections.unmodifiableMap(nodes),
          Collections.unmodifiableMap(macros),
          Collections.unmodifiableMap(hooks),
          Collections.unmodifiableMap(varUses));
    }

    private PlanException notAManifest(String why) {
      return new PlanException("manifest " + source + ": not a dbt manifest: " + why);
    }

    private void readMetadata(JsonToken value) throws IOException {
      if (value != JsonToken.START_OBJECT) {
        parser.skipChildren();
        return;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        parser.nextToken();
        switch (key) {
          case "dbt_schema_version" -> schemaVersionUrl = tokens.text();
          case "project_name" -> projectName = tokens.text();
          case "project_id" -> projectId = tokens.text();
          case "adapter_type" -> adapterType = tokens.text();
          default -> parser.skipChildren();
        }
      }
    }

    private void readNodes(JsonToken value) throws IOException {
      if (value != JsonToken.START_OBJECT) {
        throw notAManifest("\"nodes\" is not an object");
      }
      sawNodes = true;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          throw badNode(key, "is not an object");
        }
        NodeRead read = readNode(key);
        ManifestNode node = read.node();
        boolean hook = "operation".equals(node.resourceType());
        if (hook && node.uniqueId() != null) {
          hooks.put(
              node.uniqueId(),
              new ManifestHook(
                  read.hookSql() == null ? "" : tokens.sha256Hex(read.hookSql()),
                  node.dependsOnMacros()));
        }
        if ((hook || KEPT_RESOURCE_TYPES.contains(node.resourceType()))
            && node.uniqueId() != null
            && !read.vars().isEmpty()) {
          varUses.put(node.uniqueId(), read.vars());
        }
        if (node.packageName() != null) {
          packages.add(node.packageName());
        }
        if (node.uniqueId() != null
            && KEPT_RESOURCE_TYPES.contains(node.resourceType())
            && !"false".equals(node.buildConfig().get("enabled"))) {
          checkSchemaName(key, node.schema());
          nodes.put(node.uniqueId(), node);
        }
      }
    }

    private PlanException badNode(String key, String problem) {
      String shown = key.length() > 200 ? key.substring(0, 200) + "..." : key;
      return new PlanException("manifest " + source + ": nodes." + shown + " " + problem);
    }

    /** Schema names end up in SQL and in staging names; only plain identifiers get through. */
    private void checkSchemaName(String key, String schema) {
      if (schema == null) {
        return;
      }
      if (schema.length() > MAX_SCHEMA_LENGTH) {
        throw badNode(
            key,
            "schema: a name of "
                + schema.length()
                + " characters (at most "
                + MAX_SCHEMA_LENGTH
                + ")");
      }
      if (!SCHEMA_NAME.matcher(schema).matches()) {
        throw badNode(
            key,
            "schema: \""
                + schema
                + "\" is not an identifier (letters, digits, _ and $, not starting with a digit)");
      }
    }

    /**
     * A node with the vars its code reads, and its SQL for hooks only: every other node's SQL is
     * represented by its checksum.
     */
    private record NodeRead(ManifestNode node, String hookSql, VarUse vars) {}

    private NodeRead readNode(String nodeKey) throws IOException {
      String uniqueId = null;
      String resourceType = null;
      String packageName = null;
      String name = null;
      String database = null;
      String schema = null;
      String alias = null;
      String checksum = null;
      String originalFilePath = null;
      String attachedNode = null;
      String rawCode = null;
      List<String> fqn = List.of();
      ManifestConfig.Read config = ManifestConfig.Read.NONE;
      ManifestTokens.DependsOn dependsOn = ManifestTokens.DependsOn.NONE;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (key) {
          case "unique_id" -> uniqueId = tokens.text();
          case "resource_type" -> resourceType = tokens.text();
          case "package_name" -> packageName = tokens.text();
          case "name" -> name = tokens.text();
          case "database" -> database = tokens.text();
          case "schema" -> {
            if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
              throw badNode(nodeKey, "schema: not a string");
            }
            schema = tokens.text();
          }
          case "alias" -> alias = tokens.text();
          case "original_file_path" -> originalFilePath = tokens.filePath();
          case "attached_node" -> attachedNode = tokens.text();
          case "raw_code", "raw_sql" -> rawCode = tokens.text();
          case "fqn" -> fqn = tokens.strings(value);
          case "checksum" -> checksum = tokens.checksum(value);
          case "config" -> config = configs.read(value);
          case "depends_on" -> dependsOn = tokens.dependsOn(value);
          default -> parser.skipChildren();
        }
      }
      return new NodeRead(
          new ManifestNode(
              uniqueId,
              resourceType,
              packageName,
              name,
              database,
              schema,
              alias,
              config.materialized(),
              checksum,
              originalFilePath,
              dependsOn.nodes(),
              dependsOn.macros(),
              config.buildConfig(),
              attachedNode,
              fqn),
          "operation".equals(resourceType) ? rawCode : null,
          VarUse.in(rawCode).and(config.vars()));
    }

    private void readMacros(JsonToken value) throws IOException {
      if (value != JsonToken.START_OBJECT) {
        parser.skipChildren();
        return;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          parser.skipChildren();
          continue;
        }
        ManifestMacro macro = readMacro();
        if (macro.packageName() != null) {
          packages.add(macro.packageName());
        }
        if (macro.uniqueId() != null) {
          macros.put(macro.uniqueId(), macro);
        }
      }
    }

    private ManifestMacro readMacro() throws IOException {
      String uniqueId = null;
      String packageName = null;
      String originalFilePath = null;
      String sqlHash = null;
      List<String> dependsOnMacros = List.of();
      VarUse vars = VarUse.NONE;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (key) {
          case "unique_id" -> uniqueId = tokens.text();
          case "package_name" -> packageName = tokens.text();
          case "original_file_path" -> originalFilePath = tokens.filePath();
          case "macro_sql" -> {
            String sql = tokens.text();
            sqlHash = sql == null ? null : tokens.sha256Hex(sql);
            vars = VarUse.in(sql);
          }
          case "depends_on" -> dependsOnMacros = tokens.dependsOn(value).macros();
          default -> parser.skipChildren();
        }
      }
      if (uniqueId != null && !vars.isEmpty()) {
        varUses.put(uniqueId, vars);
      }
      return new ManifestMacro(uniqueId, packageName, originalFilePath, sqlHash, dependsOnMacros);
    }
  }
}
