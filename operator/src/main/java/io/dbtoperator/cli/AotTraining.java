package io.dbtoperator.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The training run of the CLI's AOT cache (scripts/aot-cache.sh, Java 25 and newer): the commands a
 * user runs most, in one JVM, so that the cache holds their classes, linked, and the profiles of
 * their methods. It plans a generated layered project of two commits, as text and as JSON, and asks
 * for the version, the help and a bad option. Run with the folder to work in.
 */
public final class AotTraining {
  private static final int SCHEMAS = 8;
  private static final int MODELS_PER_SCHEMA = 60;
  private static final String CHANGE = "where x.id >= 0\n";

  private AotTraining() {}

  public static void main(String[] args) throws IOException, GitAPIException {
    Path work = Path.of(args[0]);
    Path repo = work.resolve("repo");
    Files.createDirectories(repo.resolve("models"));
    Files.writeString(repo.resolve("dbt_project.yml"), dbtProject());
    String first;
    String second;
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      writeModels(repo, "");
      first = commit(git, "one");
      // The second commit changes one model in every other schema.
      writeModels(repo, CHANGE);
      second = commit(git, "two");
      // A clone's objects are in a pack, and so the plan's git reads are trained on one.
      git.gc().call();
    }
    Path fromManifest = work.resolve("from.json");
    Path toManifest = work.resolve("to.json");
    writeManifest(fromManifest, "");
    writeManifest(toManifest, CHANGE);
    List<String> plan =
        List.of(
            "plan",
            "--repo",
            repo.toString(),
            "--from",
            first,
            "--to",
            second,
            "--from-manifest",
            fromManifest.toString(),
            "--to-manifest",
            toManifest.toString());
    int json = run(concat(plan, "--output", "json"));
    int text = run(concat(plan, "--output", "text"));
    run(List.of("--version"));
    run(List.of("plan", "--help"));
    run(List.of("plan", "--no-such-option"));
    if (json != Main.CHANGES || text != Main.CHANGES) {
      System.err.println("aot training: the plans exited " + json + " and " + text + ", not 2");
      System.exit(1);
    }
    System.err.println("aot training: planned " + SCHEMAS * MODELS_PER_SCHEMA + " models twice");
  }

  private static int run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    return Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
  }

  private static List<String> concat(List<String> args, String... more) {
    return Stream.concat(args.stream(), Arrays.stream(more)).toList();
  }

  private static String dbtProject() {
    StringBuilder yaml =
        new StringBuilder(
            "name: training\nversion: \"1.0\"\nconfig-version: 2\nprofile: training\n"
                + "model-paths: [\"models\"]\nmodels:\n  training:\n    +materialized: view\n");
    for (int s = 0; s < SCHEMAS; s++) {
      yaml.append("    s").append(s).append(":\n      +schema: s").append(s).append('\n');
    }
    return yaml.toString();
  }

  private static void writeModels(Path repo, String change) throws IOException {
    for (int s = 0; s < SCHEMAS; s++) {
      Files.createDirectories(repo.resolve("models/s" + s));
      for (int i = 0; i < MODELS_PER_SCHEMA; i++) {
        Files.writeString(repo.resolve(modelPath(s, i)), sql(s, i, change));
      }
    }
  }

  private static String commit(Git git, String message) throws GitAPIException {
    git.add().addFilepattern(".").call();
    PersonIdent author = new PersonIdent("training", "training@example.invalid");
    return git.commit().setMessage(message).setAuthor(author).setCommitter(author).call().name();
  }

  private static String modelPath(int schema, int model) {
    return "models/s" + schema + "/m_" + schema + "_" + model + ".sql";
  }

  private static String sql(int schema, int model, String change) {
    if (schema == 0) {
      return "select " + model + " as id, 'm_0_" + model + "' as label\n";
    }
    String sql =
        "select x.id, x.label from {{ ref('"
            + name(schema - 1, model)
            + "') }} as x\njoin {{ ref('"
            + name(schema - 1, (model + 1) % MODELS_PER_SCHEMA)
            + "') }} as y on x.id = y.id\n";
    return model == 0 && schema % 2 == 1 ? sql + change : sql;
  }

  private static String name(int schema, int model) {
    return "m_" + schema + "_" + model;
  }

  /** A manifest shaped as dbt 1.10 writes it, with the fields the plan reads. */
  private static void writeManifest(Path manifest, String change) throws IOException {
    try (JsonGenerator json =
        new JsonFactory().createGenerator(manifest.toFile(), JsonEncoding.UTF8)) {
      json.writeStartObject();
      json.writeObjectFieldStart("metadata");
      json.writeStringField(
          "dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json");
      json.writeStringField("dbt_version", "1.10.15");
      json.writeStringField("project_name", "training");
      json.writeStringField("adapter_type", "postgres");
      json.writeEndObject();
      json.writeObjectFieldStart("nodes");
      for (int s = 0; s < SCHEMAS; s++) {
        for (int i = 0; i < MODELS_PER_SCHEMA; i++) {
          writeModel(json, s, i, sql(s, i, change));
        }
      }
      json.writeEndObject();
      json.writeObjectFieldStart("macros");
      json.writeObjectFieldStart("macro.training.cents");
      json.writeStringField("unique_id", "macro.training.cents");
      json.writeStringField("package_name", "training");
      json.writeStringField("original_file_path", "macros/cents.sql");
      json.writeStringField("macro_sql", "{% macro cents(x) %}{{ x }} * 100{% endmacro %}");
      json.writeObjectFieldStart("depends_on");
      json.writeArrayFieldStart("macros");
      json.writeEndArray();
      json.writeEndObject();
      json.writeEndObject();
      json.writeEndObject();
      json.writeObjectFieldStart("sources");
      json.writeEndObject();
      json.writeEndObject();
    }
  }

  private static void writeModel(JsonGenerator json, int schema, int model, String sql)
      throws IOException {
    String name = name(schema, model);
    String id = "model.training." + name;
    json.writeObjectFieldStart(id);
    json.writeStringField("database", "training");
    json.writeStringField("schema", "public_s" + schema);
    json.writeStringField("name", name);
    json.writeStringField("resource_type", "model");
    json.writeStringField("package_name", "training");
    json.writeStringField("path", "s" + schema + "/" + name + ".sql");
    json.writeStringField("original_file_path", modelPath(schema, model));
    json.writeStringField("unique_id", id);
    json.writeArrayFieldStart("fqn");
    json.writeString("training");
    json.writeString("s" + schema);
    json.writeString(name);
    json.writeEndArray();
    json.writeStringField("alias", name);
    json.writeObjectFieldStart("checksum");
    json.writeStringField("name", "sha256");
    json.writeStringField("checksum", sha256(sql.strip()));
    json.writeEndObject();
    json.writeObjectFieldStart("config");
    json.writeBooleanField("enabled", true);
    json.writeStringField("materialized", schema == 3 ? "table" : "view");
    json.writeStringField("schema", "s" + schema);
    json.writeArrayFieldStart("tags");
    json.writeEndArray();
    json.writeObjectFieldStart("meta");
    json.writeEndObject();
    json.writeStringField("on_schema_change", "ignore");
    // Numbers, as dbt writes them (dbt 1.9's microbatch lookback is in every config).
    json.writeNumberField("lookback", 1);
    json.writeEndObject();
    json.writeNumberField("created_at", 1764412345.123456);
    json.writeStringField("raw_code", sql);
    json.writeObjectFieldStart("depends_on");
    json.writeArrayFieldStart("macros");
    json.writeEndArray();
    json.writeArrayFieldStart("nodes");
    if (schema > 0) {
      json.writeString("model.training." + name(schema - 1, model));
      json.writeString("model.training." + name(schema - 1, (model + 1) % MODELS_PER_SCHEMA));
    }
    json.writeEndArray();
    json.writeEndObject();
    json.writeEndObject();
  }

  private static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
