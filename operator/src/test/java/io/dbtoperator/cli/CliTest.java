package io.dbtoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbtoperator.Fixtures;
import io.dbtoperator.TestProject;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.SqliteStateStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path temp;

  private TestProject project;
  private String v1;
  private String v2;
  private Path m1;
  private Path m2;

  record Result(int exitCode, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @BeforeEach
  void twoCommits() {
    project = TestProject.shop(temp.resolve("repo"));
    v1 = project.commit("v1");
    m1 = project.writeManifest();
    project.edit("model.shop.orders", "select 2 as id from {{ ref('int_order_totals') }}");
    v2 = project.commit("v2");
    m2 = project.writeManifest();
  }

  private List<String> planArgs(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "plan",
                "--repo",
                project.root().toString(),
                "--from",
                v1,
                "--to",
                v2,
                "--from-manifest",
                m1.toString(),
                "--to-manifest",
                m2.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  @Test
  void aLogFormatOtherThanTextOrJsonIsRefusedNamingWhereItCameFrom() {
    java.util.Properties none = new java.util.Properties();
    assertThat(Main.logFormatProblem(none, java.util.Map.of())).isEmpty();
    assertThat(Main.logFormatProblem(none, java.util.Map.of("DBT_OPERATOR_LOG_FORMAT", "json")))
        .isEmpty();
    assertThat(Main.logFormatProblem(none, java.util.Map.of("DBT_OPERATOR_LOG_FORMAT", "xml")))
        .contains("DBT_OPERATOR_LOG_FORMAT: expected text or json, got \"xml\"");
    java.util.Properties property = new java.util.Properties();
    property.setProperty("dbt-operator.log.format", "JSON");
    assertThat(Main.logFormatProblem(property, java.util.Map.of("DBT_OPERATOR_LOG_FORMAT", "text")))
        .as("the system property wins, as LogConfigurator reads them")
        .contains("-Ddbt-operator.log.format: expected text or json, got \"JSON\"");
  }

  @Test
  void planPrintsOneLinePerStepAndExitsTwoOnChanges() {
    Result result = run(planArgs().toArray(String[]::new));

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).isEmpty();
    String hash = result.out().replaceAll("(?s).*Hash: ([0-9a-f]{16}).*", "$1");
    assertThat(result.out().replace(v1.substring(0, 7), "<v1>").replace(v2.substring(0, 7), "<v2>"))
        .isEqualTo(
            """
            dbt-operator plan: <v1> -> <v2>

              = raw        noop                    0 models    unchanged since <v1>
              = staging    noop                    0 models    unchanged since <v1>
              ~ marts      deploy                  2 models    model.shop.orders changed (models/marts/orders.sql)
              ~ reporting  deploy                  1 model     reads changed models upstream in marts

            Plan: 2 deploy. Hash: %s
            """
                .formatted(hash));
  }

  @Test
  void schemasThatReadEachOtherShowAsOneGroupStepWithItsMembers() throws Exception {
    TestProject loop = TestProject.schemaCycle(temp.resolve("loop"));
    loop.model("c", "c1", "table", List.of("a2"));
    String from = loop.commit("cycle");
    Path before = loop.writeManifest();
    loop.edit("model.loop.a1", "select 2 as id");
    String to = loop.commit("a1 changes");
    Path after = loop.writeManifest();
    String[] args = {
      "plan",
      "--repo",
      loop.root().toString(),
      "--from",
      from,
      "--to",
      to,
      "--from-manifest",
      before.toString(),
      "--to-manifest",
      after.toString()
    };

    Result text = run(args);
    Result json =
        run(Stream.concat(Stream.of(args), Stream.of("--output", "json")).toArray(String[]::new));

    String hash = text.out().replaceAll("(?s).*Hash: ([0-9a-f]{16}).*", "$1");
    assertThat(text.out().replace(from.substring(0, 7), "<v1>").replace(to.substring(0, 7), "<v2>"))
        .isEqualTo(
            """
            dbt-operator plan: <v1> -> <v2>

              ~ a+b  deploy (group)          3 models    schemas that read each other (model.loop.a2 in a reads model.loop.b1 in b; model.loop.b1 in b reads model.loop.a1 in a) deploy as one unit: built into staging together, tested, then swapped together
                ~ a  deploy                  2 models    model.loop.a1 changed (models/a/a1.sql)
                ~ b  deploy                  1 model     reads changed models upstream in a
              ~ c    deploy                  1 model     reads changed models upstream in a

            Plan: 3 deploy. Hash: %s
            """
                .formatted(hash));
    JsonNode group = new ObjectMapper().readTree(json.out()).get("steps").get(0);
    assertThat(group.get("schema").asText()).isEqualTo("a+b");
    assertThat(group.get("models").toString())
        .isEqualTo("[\"model.loop.a1\",\"model.loop.a2\",\"model.loop.b1\"]");
    assertThat(group.get("members").get(1).get("schema").asText()).isEqualTo("b");
    assertThat(group.get("members").get(1).get("models").toString())
        .isEqualTo("[\"model.loop.b1\"]");
    assertThat(group.has("group")).as("the per-schema group field is the engine's").isFalse();
  }

  @Test
  void planJsonKeepsTheContractNames() throws Exception {
    Result result = run(planArgs("--output", "json").toArray(String[]::new));

    assertThat(result.exitCode()).isEqualTo(2);
    JsonNode json = new ObjectMapper().readTree(result.out());
    assertThat(json.get("from").asText()).isEqualTo(v1);
    assertThat(json.get("to").asText()).isEqualTo(v2);
    JsonNode marts = json.get("steps").get(2);
    assertThat(marts.get("schema").asText()).isEqualTo("marts");
    assertThat(marts.get("action").asText()).isEqualTo("deploy");
    assertThat(marts.get("reasons").get(0).asText())
        .isEqualTo("model.shop.orders changed (models/marts/orders.sql)");
    assertThat(marts.get("models").toString())
        .isEqualTo("[\"model.shop.customers\",\"model.shop.orders\"]");
    assertThat(marts.get("dependsOn").toString()).isEqualTo("[\"staging\"]");
    assertThat(json.get("steps").get(0).get("action").asText()).isEqualTo("noop");
    assertThat(json.get("summary").asText()).isEqualTo("2 deploy");
  }

  @Test
  void planWithoutChangesExitsZero() {
    Result result =
        run(
            "plan",
            "--repo",
            project.root().toString(),
            "--from",
            v2,
            "--to",
            v2,
            "--from-manifest",
            m2.toString(),
            "--to-manifest",
            m2.toString());

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("Plan: no changes.");
  }

  @Test
  void invalidManifestJsonNamesTheFileAndPosition() {
    Path broken = Fixtures.manifest("hubspot-invalid-conflict-markers.json");

    Result result =
        run(
            "plan",
            "--repo",
            project.root().toString(),
            "--to",
            v2,
            "--to-manifest",
            broken.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .startsWith("error: manifest " + broken + ": invalid JSON at line 1, column 1:");
  }

  @Test
  void missingCommitAndUnknownRefAreErrors() {
    Result missing =
        run("plan", "--repo", project.root().toString(), "--from", "abcdef1", "--to", v2);
    Result unknown = run("plan", "--repo", project.root().toString(), "--from", "v9.9", "--to", v2);

    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err())
        .isEqualTo("error: repository " + project.root() + ": commit abcdef1 not found\n");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err())
        .isEqualTo(
            "error: repository "
                + project.root()
                + ": unknown revision \"v9.9\" (no such branch, tag or commit)\n");
  }

  @Test
  void badSettingsNameTheFileAndField() throws Exception {
    Path config = temp.resolve("dbt-operator.yml");
    String[][] cases = {
      {
        "every: \"61 * * * *\"",
        "schemas[0].refresh.every: \"61 * * * *\" is not a valid cron expression: Value 61 not in range [0, 59]"
      },
      {
        "every: PT6X",
        "schemas[0].refresh.every: \"PT6X\" is not an ISO-8601 duration (examples: PT30M, PT6H, P1D)"
      },
      {"timeZone: Mars/Olympus", "schemas[0].refresh.timeZone: unknown time zone \"Mars/Olympus\""}
    };
    for (String[] c : cases) {
      Files.writeString(config, "schemas:\n  - schema: marts\n    refresh:\n      " + c[0] + "\n");

      Result result = run(planArgs("--config", config.toString()).toArray(String[]::new));

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.err()).isEqualTo("error: " + config + ": " + c[1] + "\n");
    }
  }

  @Test
  void missingOptionIsOneLinePointingToHelpAndExitsOne() {
    Result result = run("plan", "--repo", project.root().toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo("error: Missing required option: '--to=<to>' (see: dbt-operator plan --help)\n");
  }

  @Test
  void dueListsWhatATickRunsFromTheStateStore() {
    Path db = temp.resolve("state.db");
    Path config = temp.resolve("dbt-operator.yml");
    try (SqliteStateStore store = SqliteStateStore.open(db, Clock.systemUTC())) {
      store.compareAndSet(
          0,
          new SchemaState(
              "shop",
              "marts",
              v2,
              Instant.parse("2026-11-23T07:00:00Z"),
              Instant.parse("2026-11-20T07:00:00Z"),
              null,
              0));
    }
    writeConfig(config, "marts", "PT6H");

    Result notYet =
        run(
            "due",
            "--state",
            "sqlite:" + db,
            "--manifest",
            m2.toString(),
            "--config",
            config.toString(),
            "--at",
            "2026-11-23T09:00:00Z");
    Result due =
        run(
            "due",
            "--state",
            "sqlite:" + db,
            "--manifest",
            m2.toString(),
            "--config",
            config.toString(),
            "--at",
            "2026-11-23T13:30:00Z",
            "--output",
            "json");

    assertThat(notYet.exitCode()).isZero();
    assertThat(notYet.out())
        .contains(
            "  = marts      noop                    0 models    not due: every PT6H: last refresh 2026-11-23T07:00:00Z, due again 2026-11-23T13:00:00Z")
        .contains(
            "  = raw        noop                    0 models    no model to refresh: seeds are loaded on deploy only")
        .contains(
            "  = staging    noop                    0 models    view-only: rebuilt on deploy only")
        .endsWith("Tick: 0 steps due.\n");
    assertThat(due.exitCode()).isEqualTo(2);
    assertThat(due.out())
        .contains("\"schema\" : \"marts\",\n    \"action\" : \"refresh\"")
        .contains("\"marts\" : \"2026-11-23T13:30:00Z\"");
  }

  @Test
  void dueRejectsABadTime() {
    Result result =
        run(
            "due",
            "--state",
            "sqlite:" + temp.resolve("s.db"),
            "--manifest",
            m2.toString(),
            "--at",
            "tomorrow");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "error: --at: \"tomorrow\" is not an ISO-8601 date-time with offset, e.g. 2026-11-23T09:00:00Z\n");
  }

  private static void writeConfig(Path config, String schema, String every) {
    try {
      Files.writeString(
          config,
          "schemas:\n  - schema: " + schema + "\n    refresh:\n      every: " + every + "\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Options that need no server are checked before anything starts, and named. */
  @Test
  void badRunOptionsAreNamedBeforeAnythingStarts() {
    String[][] cases = {
      {"--threads", "0", "--threads: must be 1 or more, got 0"},
      {"--keep-previous", "-1", "--keep-previous: must be 0 or more, got -1"},
      {"--project", "../../x", "--project: \"../../x\" is not a project name"},
    };
    for (String[] bad : cases) {
      Result result =
          run(
              "deploy",
              "--repo",
              project.root().toString(),
              "--state",
              "sqlite:" + temp.resolve("state.db"),
              "--work",
              temp.resolve("work").toString(),
              "--warehouse",
              "embedded:" + temp.resolve("pg"),
              bad[0],
              bad[1]);

      assertThat(result.exitCode()).as(bad[0]).isEqualTo(1);
      assertThat(result.err()).as(bad[0]).startsWith("error: " + bad[2]).hasLineCount(1);
      assertThat(temp.resolve("pg")).as("no PostgreSQL was started").doesNotExist();
      assertThat(temp.resolve("work")).as("nothing written under --work").doesNotExist();
    }
  }

  @Test
  void statusOfAnUnknownProjectSaysSoAndExitsOne() {
    Result result =
        run(
            "status",
            "--repo",
            project.root().toString(),
            "--project",
            "unknown",
            "--state",
            "sqlite:" + temp.resolve("state.db"),
            "--artifacts",
            "local:" + temp.resolve("artifacts"));

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("error: --project: project unknown is unknown to the state store")
        .hasLineCount(1);
  }

  @Test
  void anInstantAtTheEndOfTimeNamesAt() {
    Result result =
        run(
            "due",
            "--state",
            "sqlite:" + temp.resolve("state.db"),
            "--manifest",
            m1.toString(),
            "--at",
            "+999999999-12-31T23:59:59Z");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "error: --at: \"+999999999-12-31T23:59:59Z\" is out of range: give a year from 1970"
                + " to 9999\n");
  }

  @Test
  void aMetricsPortOutOfRangeIsRefusedBeforeAnythingStarts() {
    Result result = run("operator", "--metrics-port", "70000");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "error: --metrics-port: must be a port from 1 to 65535, or 0 for none, got 70000\n");
  }

  @Test
  void aMetricsPortInUseIsNamedBeforeAnythingStarts() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      Result result = run("operator", "--metrics-port", Integer.toString(taken.getLocalPort()));

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.err())
          .startsWith("error: --metrics-port: cannot listen on " + taken.getLocalPort() + ": ")
          .hasLineCount(1);
    }
  }

  @Test
  void unexpectedFailuresNameNoClass() {
    assertThat(Main.userMessage(new IllegalStateException("disk\nfull")))
        .isEqualTo("unexpected failure: disk full");
  }
}
