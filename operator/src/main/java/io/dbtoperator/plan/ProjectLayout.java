package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The project name and where a dbt project keeps each kind of resource, from dbt_project.yml. */
public record ProjectLayout(
    String name,
    List<String> modelPaths,
    List<String> seedPaths,
    List<String> snapshotPaths,
    List<String> macroPaths,
    List<String> testPaths,
    List<String> analysisPaths) {

  public static final ProjectLayout DEFAULT =
      new ProjectLayout(
          null,
          List.of("models"),
          List.of("seeds"),
          List.of("snapshots"),
          List.of("macros"),
          List.of("tests"),
          List.of("analyses"));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Reads the *-paths keys of dbt_project.yml, including the pre-1.0 source-paths/data-paths. */
  public static ProjectLayout parse(byte[] dbtProjectYml, String source) {
    JsonNode root = yaml(dbtProjectYml, source);
    JsonNode name = root.get("name");
    return new ProjectLayout(
        name == null || name.isNull() ? null : name.asText(),
        paths(root, source, DEFAULT.modelPaths, "model-paths", "source-paths"),
        paths(root, source, DEFAULT.seedPaths, "seed-paths", "data-paths"),
        paths(root, source, DEFAULT.snapshotPaths, "snapshot-paths"),
        paths(root, source, DEFAULT.macroPaths, "macro-paths"),
        paths(root, source, DEFAULT.testPaths, "test-paths"),
        paths(root, source, DEFAULT.analysisPaths, "analysis-paths"));
  }

  /** dbt_project.yml as a tree; anything but a mapping is an error naming the file. */
  static JsonNode yaml(byte[] dbtProjectYml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(dbtProjectYml);
    } catch (JsonProcessingException e) {
      throw new PlanException(source + ": invalid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(source + ": cannot read", e);
    }
    if (root == null || !root.isObject()) {
      throw new PlanException(source + ": expected a YAML mapping");
    }
    return root;
  }

  private static List<String> paths(
      JsonNode root, String source, List<String> defaults, String... keys) {
    for (String key : keys) {
      JsonNode value = root.get(key);
      if (value == null || value.isNull()) {
        continue;
      }
      if (!value.isArray()) {
        throw new PlanException(source + ": " + key + " must be a list of directories");
      }
      List<String> result = new ArrayList<>();
      value.forEach(item -> result.add(trimSlashes(item.asText())));
      return List.copyOf(result);
    }
    return defaults;
  }

  static String trimSlashes(String path) {
    String p = path.replace('\\', '/');
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  public boolean isMacro(String path) {
    return under(path, macroPaths);
  }

  /** Files whose nodes are models, seeds, snapshots or tests. */
  public boolean isResource(String path) {
    return under(path, modelPaths)
        || under(path, seedPaths)
        || under(path, snapshotPaths)
        || under(path, testPaths);
  }

  static boolean under(String path, List<String> dirs) {
    for (String dir : dirs) {
      if (dir.isEmpty() || dir.equals(".") || path.startsWith(dir + "/")) {
        return true;
      }
    }
    return false;
  }
}
