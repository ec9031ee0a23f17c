package io.dbtoperator.cli;

import io.dbtoperator.plan.DueCalculator;
import io.dbtoperator.plan.DueResult;
import io.dbtoperator.plan.DueSchemas;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.state.ManifestPointer;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "due",
    mixinStandardHelpOptions = true,
    description = "Shows what a refresh tick at a given time would run, in dependency order.")
final class DueCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--state",
      required = true,
      description = "State store: sqlite:PATH (or a bare path).")
  String state;

  @Option(
      names = "--at",
      description = "Tick time, ISO-8601 with offset (default: now), e.g. 2026-11-23T09:00:00Z.")
  String at;

  @Option(
      names = "--project",
      description = "Project key in the state store (default: the manifest's project name).")
  String project;

  @Option(
      names = "--manifest",
      description =
          "manifest.json of the live commit (default: the one the state store points to).")
  Path manifest;

  @Option(names = "--config", description = "Operator settings (dbt-operator.yml).")
  Path config;

  @Option(names = "--output", defaultValue = "text", description = "text or json.")
  PlanCommand.Output output;

  private final Clock clock;

  DueCommand() {
    this(Clock.systemUTC());
  }

  DueCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    Instant tick = at == null ? clock.instant() : parseInstant(at);
    OperatorConfig settings =
        config == null ? OperatorConfig.EMPTY : PlanCommand.readConfig(config);
    DueResult result;
    try (StateStore store = ProjectOptions.openStore(state, clock)) {
      Manifest live = ManifestReader.read(manifestPath(store));
      String key = project != null ? project : live.projectName();
      Map<String, SchemaState> states = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      store.schemas(key).forEach(s -> states.put(s.schema(), s));
      SchemaGraph graph = SchemaGraph.build(live, settings);
      result = new DueCalculator(clock).due(DueSchemas.of(graph, settings), states, tick);
    }
    print(result);
    boolean anythingDue = result.steps().stream().anyMatch(s -> s.action().changes());
    return anythingDue ? Main.CHANGES : Main.NO_CHANGES;
  }

  private Path manifestPath(StateStore store) {
    if (manifest != null) {
      return manifest;
    }
    String key = project;
    if (key == null) {
      throw new UserInputException(
          "--manifest: required unless --project names a project whose manifest the state store"
              + " records");
    }
    return store
        .manifest(key)
        .map(ManifestPointer::location)
        .map(Path::of)
        .orElseThrow(
            () ->
                new UserInputException(
                    "--manifest: the state store "
                        + state
                        + " records no manifest for project "
                        + key
                        + "; pass --manifest"));
  }

  private void print(DueResult result) {
    if (output == PlanCommand.Output.json) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("at", result.at().toString());
      json.put("steps", result.steps());
      Map<String, String> next = new LinkedHashMap<>();
      result.nextDue().forEach((schema, when) -> next.put(schema, when.toString()));
      json.put("nextDue", next);
      spec.commandLine().getOut().println(PlanRenderer.write(json));
    } else {
      StringBuilder out = new StringBuilder();
      out.append("dbt-operator due: refresh tick at ").append(result.at()).append("\n\n");
      out.append(PlanRenderer.steps(result.steps()));
      if (!result.nextDue().isEmpty()) {
        out.append("\nNext due:\n");
        result
            .nextDue()
            .forEach(
                (schema, when) ->
                    out.append("  ").append(schema).append("  ").append(when).append('\n'));
      }
      long due = result.steps().stream().filter(s -> s.action().changes()).count();
      out.append("\nTick: ").append(due).append(due == 1 ? " step" : " steps").append(" due.\n");
      spec.commandLine().getOut().print(out);
    }
    spec.commandLine().getOut().flush();
  }

  static Instant parseInstant(String text) {
    try {
      OffsetDateTime parsed = OffsetDateTime.parse(text);
      // Cadences add days and months to the tick; near the ends of time that overflows.
      if (parsed.getYear() < 1970 || parsed.getYear() > 9999) {
        throw new UserInputException(
            "--at: \"" + text + "\" is out of range: give a year from 1970 to 9999");
      }
      return parsed.toInstant();
    } catch (DateTimeParseException e) {
      throw new UserInputException(
          "--at: \""
              + text
              + "\" is not an ISO-8601 date-time with offset, e.g. 2026-11-23T09:00:00Z");
    }
  }
}
