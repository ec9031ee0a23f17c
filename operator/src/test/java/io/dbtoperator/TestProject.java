package io.dbtoperator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A dbt project in a real git repository built with JGit, plus the manifest dbt would write for
 * each commit (v12 layout, checksums of the committed files), so that planner tests exercise the
 * same inputs as production without running dbt.
 */
public final class TestProject {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Node(
      String type,
      String name,
      String schema,
      String materialized,
      String path,
      String sql,
      List<String> refs,
      List<String> macros,
      Map<String, Object> extraConfig) {}

  record Macro(String name, String path, String sql, List<String> calls) {}

  private final Path root;
  private final String projectDir;
  private final String projectName;
  private final Git git;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, Macro> macros = new LinkedHashMap<>();
  private final Map<String, String> extraFiles = new LinkedHashMap<>();
  private final Set<String> configured = new TreeSet<>();
  private int manifests;

  public TestProject(Path root, String projectDir, String projectName) {
    this.root = root;
    this.projectDir = projectDir;
    this.projectName = projectName;
    try {
      Files.createDirectories(root);
      this.git = Git.init().setDirectory(root.toFile()).setInitialBranch("main").call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
    file("dbt_project.yml", "name: " + projectName + "\nversion: '1.0'\nprofile: test\n");
  }

  /**
   * Project {@code loop}, whose schemas {@code a} and {@code b} read each other: {@code a2} in
   * {@code a} reads {@code b1} in {@code b}, which reads {@code a1} in {@code a}.
   */
  public static TestProject schemaCycle(Path root) {
    TestProject p = new TestProject(root, "", "loop");
    p.model("a", "a1", "table", List.of());
    p.model("b", "b1", "table", List.of("a1"));
    p.model("a", "a2", "table", List.of("b1"));
    return p;
  }

  /** The standard test project: raw seeds, staging views, marts tables, reporting views. */
  public static TestProject shop(Path root) {
    return shop(root, "");
  }

  public static TestProject shop(Path root, String projectDir) {
    TestProject p = new TestProject(root, projectDir, "shop");
    p.seed("raw", "raw_orders", "id,amount\n1,100\n");
    p.seed("raw", "raw_customers", "id,name\n1,ann\n");
    p.macro("cents_to_dollars", "macros/cents.sql", "{{ col }} / 100");
    p.model("staging", "stg_orders", "view", List.of("raw_orders"));
    p.model("staging", "stg_customers", "view", List.of("raw_customers"));
    p.model("marts", "int_order_totals", "ephemeral", List.of("stg_orders"));
    p.model("marts", "orders", "table", List.of("int_order_totals"), List.of("cents_to_dollars"));
    p.model("marts", "customers", "table", List.of("stg_customers", "orders"));
    p.model("marts", "order_events", "incremental", List.of("stg_orders"));
    p.model("reporting", "daily_revenue", "view", List.of("orders"));
    p.test("not_null_orders_id", List.of("orders"));
    return p;
  }

  public TestProject model(String schema, String name, String materialized, List<String> refs) {
    return model(schema, name, materialized, refs, List.of());
  }

  public TestProject model(
      String schema, String name, String materialized, List<String> refs, List<String> macros) {
    StringBuilder sql = new StringBuilder("select 1 as id");
    for (String ref : refs) {
      sql.append("\nunion all select id from {{ ref('").append(ref).append("') }}");
    }
    nodes.put(
        "model." + projectName + "." + name,
        new Node(
            "model",
            name,
            schema,
            materialized,
            "models/" + schema + "/" + name + ".sql",
            sql.toString(),
            refs,
            macros,
            Map.of()));
    return this;
  }

  public TestProject seed(String schema, String name, String csv) {
    nodes.put(
        "seed." + projectName + "." + name,
        new Node(
            "seed",
            name,
            schema,
            "seed",
            "seeds/" + name + ".csv",
            csv,
            List.of(),
            List.of(),
            Map.of()));
    return this;
  }

  public TestProject snapshot(String schema, String name, List<String> refs) {
    nodes.put(
        "snapshot." + projectName + "." + name,
        new Node(
            "snapshot",
            name,
            schema,
            "snapshot",
            "snapshots/" + name + ".sql",
            "{% snapshot "
                + name
                + " %} select * from {{ ref('"
                + refs.get(0)
                + "') }} {% endsnapshot %}",
            refs,
            List.of(),
            Map.of()));
    return this;
  }

  public TestProject test(String name, List<String> refs) {
    nodes.put(
        "test." + projectName + "." + name,
        new Node(
            "test",
            name,
            "dbt_test__audit",
            "test",
            "tests/" + name + ".sql",
            "select * from {{ ref('" + refs.get(0) + "') }} where id is null",
            refs,
            List.of(),
            Map.of()));
    return this;
  }

  public TestProject macro(String name, String path, String sql) {
    macros.put("macro." + projectName + "." + name, new Macro(name, path, sql, List.of()));
    return this;
  }

  /** Rewrites a node's SQL (or CSV), which changes its file and checksum. */
  public TestProject edit(String uniqueId, String newBody) {
    Node n = nodes.get(uniqueId);
    nodes.put(
        uniqueId,
        new Node(
            n.type,
            n.name,
            n.schema,
            n.materialized,
            n.path,
            newBody,
            n.refs,
            n.macros,
            n.extraConfig));
    return this;
  }

  /** Changes a node's configuration the way a properties file would, leaving its file alone. */
  public TestProject configure(
      String uniqueId, String materialized, Map<String, Object> extraConfig) {
    Node n = nodes.get(uniqueId);
    configured.add(uniqueId);
    nodes.put(
        uniqueId,
        new Node(
            n.type, n.name, n.schema, materialized, n.path, n.sql, n.refs, n.macros, extraConfig));
    return this;
  }

  public TestProject remove(String uniqueId) {
    nodes.remove(uniqueId);
    return this;
  }

  public TestProject editMacro(String name, String sql) {
    Macro m = macros.get("macro." + projectName + "." + name);
    macros.put("macro." + projectName + "." + name, new Macro(m.name, m.path, sql, m.calls));
    return this;
  }

  public TestProject file(String path, String content) {
    extraFiles.put(path, content);
    return this;
  }

  public TestProject deleteFile(String path) {
    extraFiles.remove(path);
    return this;
  }

  public Path root() {
    return root;
  }

  /** Writes every file, commits, and returns the commit id. */
  public String commit(String message) {
    try {
      Path dir = projectDir.isEmpty() ? root : root.resolve(projectDir);
      Files.createDirectories(dir);
      try (var paths = Files.walk(dir)) {
        for (Path p :
            paths
                .filter(Files::isRegularFile)
                .filter(p -> !root.relativize(p).startsWith(".git"))
                .toList()) {
          Files.delete(p);
        }
      }
      Map<String, String> all = new LinkedHashMap<>(extraFiles);
      nodes.values().forEach(n -> all.put(n.path, n.sql));
      macros
          .values()
          .forEach(
              m -> all.put(m.path, "{% macro " + m.name + "(col) %}" + m.sql + "{% endmacro %}"));
      if (!properties().isEmpty()) {
        all.put("models/properties.yml", properties());
      }
      for (Map.Entry<String, String> e : all.entrySet()) {
        Path file = dir.resolve(e.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, e.getValue());
      }
      git.add().addFilepattern(".").call();
      git.add().setUpdate(true).addFilepattern(".").call();
      RevCommit commit = git.commit().setMessage(message).setAllowEmpty(true).call();
      return commit.name();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Config set "in a properties file": its content makes the file change with the config. */
  private String properties() {
    StringBuilder yml = new StringBuilder();
    nodes.values().stream()
        .filter(n -> configured.contains(n.type + "." + projectName + "." + n.name))
        .forEach(
            n ->
                yml.append("# ")
                    .append(n.name)
                    .append(": ")
                    .append(n.materialized)
                    .append(' ')
                    .append(n.extraConfig)
                    .append('\n'));
    return yml.toString();
  }

  /** Writes the manifest dbt would produce for the current files and returns it, parsed. */
  public Manifest manifest() {
    return ManifestReader.read(writeManifest());
  }

  public Path writeManifest() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode metadata = root.putObject("metadata");
    metadata.put("dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json");
    metadata.put("project_name", projectName);
    metadata.put("adapter_type", "postgres");
    ObjectNode nodesJson = root.putObject("nodes");
    for (Map.Entry<String, Node> e : nodes.entrySet()) {
      Node n = e.getValue();
      ObjectNode node = nodesJson.putObject(e.getKey());
      node.put("database", "analytics");
      node.put("schema", n.schema);
      node.put("name", n.name);
      node.put("resource_type", n.type);
      node.put("package_name", projectName);
      node.put("path", n.path);
      node.put("original_file_path", n.path);
      node.put("unique_id", e.getKey());
      node.put("alias", n.name);
      node.put("raw_code", n.sql);
      ObjectNode checksum = node.putObject("checksum");
      checksum.put("name", "sha256");
      checksum.put("checksum", sha256(n.sql.strip()));
      ObjectNode config = node.putObject("config");
      config.put("enabled", true);
      config.put("materialized", n.materialized);
      n.extraConfig.forEach((k, v) -> config.set(k, JSON.valueToTree(v)));
      ObjectNode dependsOn = node.putObject("depends_on");
      ArrayNode deps = dependsOn.putArray("nodes");
      for (String ref : n.refs) {
        deps.add(idOf(ref));
      }
      ArrayNode macroDeps = dependsOn.putArray("macros");
      n.macros.forEach(m -> macroDeps.add("macro." + projectName + "." + m));
      if (n.type.equals("test")) {
        node.putNull("attached_node");
      }
    }
    ObjectNode macrosJson = root.putObject("macros");
    for (Map.Entry<String, Macro> e : macros.entrySet()) {
      ObjectNode macro = macrosJson.putObject(e.getKey());
      macro.put("unique_id", e.getKey());
      macro.put("name", e.getValue().name);
      macro.put("package_name", projectName);
      macro.put("original_file_path", e.getValue().path);
      macro.put("macro_sql", e.getValue().sql);
      macro.putObject("depends_on").putArray("macros");
    }
    root.putObject("sources");
    try {
      Path file =
          Files.createTempFile(root().getParent(), "manifest-" + (manifests++) + "-", ".json");
      Files.write(file, JSON.writeValueAsBytes(root));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String idOf(String name) {
    return nodes.keySet().stream()
        .filter(id -> id.endsWith("." + name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node named " + name));
  }

  public List<String> ids(String... names) {
    List<String> result = new ArrayList<>();
    for (String name : names) {
      result.add(idOf(name));
    }
    result.sort(String::compareTo);
    return result;
  }

  /** dbt's checksum of a file: sha-256 of its text with surrounding white space stripped. */
  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
