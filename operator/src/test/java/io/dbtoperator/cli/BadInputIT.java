package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dbtoperator.run.CrashRecoveryIT;
import io.dbtoperator.run.PostgresHarness;
import io.dbtoperator.state.ManifestPointer;
import io.dbtoperator.state.SqliteStateStore;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.PostgresSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus ({@code bad-input/cases.yaml}): CLI options, locations, manifests, config
 * files and the resource specs they share, each run against a project that is live in a real
 * PostgreSQL. Every case must exit 1 with one line on stderr that names the option, file or field,
 * name no Java class, print no secret, and change neither the warehouse nor the state store.
 */
class BadInputIT {
  static final String SECRET = "Hunter2pw";
  static final Set<String> RUN_COMMANDS = Set.of("deploy", "refresh", "status", "rollback", "runs");
  // A qualified class name, or a simple one that says what Java type failed.
  static final Pattern CLASS_NAME =
      Pattern.compile(
          "\\b(java|javax|io|com|org|picocli)\\.[a-z]+\\.[A-Za-z.]+|\\b[A-Z][A-Za-z]*(Exception|Error)\\b");

  /** One bad input and what its error must say. */
  record Case(
      String name,
      List<String> args,
      Map<String, String> files,
      Map<String, String> commit,
      String expect) {}

  @TempDir static Path temp;
  static Path repo;
  static PostgresSettings pg;
  static Map<String, String> placeholders = new LinkedHashMap<>();

  @BeforeAll
  static void deployTheProject() throws Exception {
    repo = temp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      write(repo, CrashRecoveryIT.project("v1"));
      commit(git, "v1");
    }
    pg = PostgresHarness.newDatabase("badinput");
    placeholders.put("{repo}", repo.toString());
    placeholders.put("{state}", "sqlite:" + temp.resolve("state.db"));
    placeholders.put("{artifacts}", "local:" + temp.resolve("artifacts"));
    placeholders.put(
        "{warehouse}",
        "postgres://postgres@localhost:" + pg.port() + "/" + pg.database() + "?schema=public");
    placeholders.put("{work}", temp.resolve("work").toString());
    placeholders.put("{dbt}", PostgresHarness.dbt().toString());
    placeholders.put("{dir}", temp.resolve("case").toString());

    String[] deploy = withDefaults(List.of("deploy")).toArray(String[]::new);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(deploy, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(exit).as(out + "\n" + err).isZero();
    try (StateStore store = store()) {
      ManifestPointer live = store.manifest("mini").orElseThrow();
      placeholders.put(
          "{manifest}",
          temp.resolve("artifacts/local/mini/manifest/" + live.commit() + ".json").toString());
    }
  }

  static List<Case> cases() throws IOException {
    try (InputStream in = BadInputIT.class.getResourceAsStream("/bad-input/cases.yaml")) {
      return new YAMLMapper().readValue(in, new TypeReference<List<Case>>() {});
    }
  }

  @Test
  void everyBadInputIsOneNamedLineAndChangesNothing() throws Exception {
    List<Case> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(60);
    List<String> failures = new ArrayList<>();
    int index = 0;
    for (Case bad : cases) {
      index++;
      String before = snapshot();
      String outcome = run(bad, "case-" + index);
      if (outcome != null) {
        failures.add(bad.name() + ": " + outcome);
      }
      String after = snapshot();
      if (!after.equals(before)) {
        List<String> added = new ArrayList<>(after.lines().toList());
        added.removeAll(before.lines().toList());
        List<String> removed = new ArrayList<>(before.lines().toList());
        removed.removeAll(after.lines().toList());
        failures.add(
            bad.name()
                + ": changed the warehouse, the state store or the artifacts: added "
                + added
                + ", removed "
                + removed);
      }
    }
    assertThat(failures).as("of %d cases", cases.size()).isEmpty();
  }

  /** Runs one case; null if its error is as required, else what is wrong with it. */
  static String run(Case bad, String branch) throws Exception {
    Path dir = Path.of(placeholders.get("{dir}"));
    Files.createDirectories(dir);
    if (bad.files() != null) {
      for (var file : bad.files().entrySet()) {
        Path target = dir.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.writeString(target, expand(file.getValue()));
      }
    }
    if (bad.commit() != null) {
      try (Git git = Git.open(repo.toFile())) {
        git.checkout().setCreateBranch(true).setName(branch).setStartPoint("main").call();
        Map<String, String> files = new LinkedHashMap<>();
        bad.commit().forEach((path, content) -> files.put(path, expand(content)));
        write(repo, files);
        commit(git, bad.name());
        git.checkout().setName("main").call();
      }
    }
    List<String> args = new ArrayList<>();
    for (String arg : bad.args()) {
      args.add(expand(arg.replace("{branch}", branch)));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Main.run(
            withDefaults(args).toArray(String[]::new),
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    String error = err.toString();
    if (exit != 1) {
      return "exit " + exit + ", stderr: " + error;
    }
    if (!error.startsWith("error: ") || error.lines().count() != 1) {
      return "not one error line: " + error;
    }
    if (!error.contains(expand(bad.expect()))) {
      return "does not name \"" + bad.expect() + "\": " + error;
    }
    if (CLASS_NAME.matcher(error).find()) {
      return "names a class: " + error;
    }
    if ((error + out).contains(SECRET)) {
      return "prints the secret: " + error;
    }
    return null;
  }

  /** The standard options, for what a case does not set itself: the live project's stores. */
  static List<String> withDefaults(List<String> args) {
    List<String> result = new ArrayList<>(args);
    if (args.isEmpty() || !RUN_COMMANDS.contains(args.get(0))) {
      return result;
    }
    for (String option : List.of("repo", "state", "artifacts", "warehouse", "work", "dbt")) {
      if (!args.contains("--" + option)) {
        result.add("--" + option);
        result.add(placeholders.get("{" + option + "}"));
      }
    }
    return result;
  }

  static String expand(String text) {
    String result = text.replace("{x8M}", "x".repeat(8 * 1024 * 1024));
    for (var placeholder : placeholders.entrySet()) {
      result = result.replace(placeholder.getKey(), placeholder.getValue());
    }
    return result;
  }

  static StateStore store() {
    return SqliteStateStore.open(temp.resolve("state.db"), Clock.systemUTC());
  }

  /** The warehouse's schemas, tags and relations, the state store's contents, the artifacts. */
  static String snapshot() throws IOException {
    StringBuilder text = new StringBuilder();
    PostgresHarness.rows(
            pg,
            "select n.nspname || ' ' || coalesce(obj_description(n.oid, 'pg_namespace'), '') || ' '"
                + " || coalesce(string_agg(c.relname || ':' || c.relkind::text, ',' order by c.relname),"
                + " '') from pg_namespace n left join pg_class c on c.relnamespace = n.oid"
                + " where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'"
                + " group by n.nspname, n.oid order by 1")
        .forEach(row -> text.append(row).append('\n'));
    try (StateStore store = store()) {
      for (String project : store.projects()) {
        text.append(store.manifest(project)).append('\n');
        store
            .schemas(project)
            .forEach(
                schema -> {
                  text.append(schema).append('\n');
                  text.append(store.runs(project, schema.schema(), null, 100).runs()).append('\n');
                });
      }
    }
    try (Stream<Path> files = Files.walk(temp.resolve("artifacts"))) {
      files
          // dbt's partial-parse cache, stored by every parse (a refused deploy parses first): it
          // holds no result and only speeds up the next parse (docs/planner.md#inputs).
          .filter(Files::isRegularFile)
          .filter(file -> !file.toString().contains("/partial-parse/"))
          .sorted()
          .forEach(file -> text.append(file).append('\n'));
    }
    return text.toString();
  }

  static void write(Path dir, Map<String, String> files) throws IOException {
    for (var file : files.entrySet()) {
      Path target = dir.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
    }
  }

  static void commit(Git git, String message) throws Exception {
    git.add().addFilepattern(".").call();
    PersonIdent who = new PersonIdent("test", "test@example.invalid");
    git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
  }
}
