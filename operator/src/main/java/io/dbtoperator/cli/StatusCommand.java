package io.dbtoperator.cli;

import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.plan.DueCalculator;
import io.dbtoperator.plan.DueResult;
import io.dbtoperator.plan.DueSchemas;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.ProjectPlanner;
import io.dbtoperator.plan.SchemaGraph;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.state.ManifestPointer;
import io.dbtoperator.state.RunRecord;
import io.dbtoperator.state.SchemaState;
import io.dbtoperator.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Shows each schema's live commit, last refresh, next due time and phase, as `kubectl get"
            + " dbtschemas` does.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions options;

  private final Clock clock;

  StatusCommand() {
    this(Clock.systemUTC());
  }

  StatusCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (SourceRepository repository = ProjectOptions.openRepository(options.repo, "--repo");
        StateStore store = options.openStore(clock);
        ArtifactStore artifacts = options.openArtifacts()) {
      String project = options.project(repository, "HEAD");
      Optional<ManifestPointer> pointer = store.manifest(project);
      List<SchemaState> schemas = store.schemas(project);
      if (pointer.isEmpty() && schemas.isEmpty()) {
        throw new UserInputException(
            (options.project == null ? "dbt_project.yml: name" : "--project")
                + ": project "
                + project
                + " is unknown to the state store "
                + io.dbtoperator.run.WarehouseLocation.redacted(options.state)
                + " (projects there: "
                + (store.projects().isEmpty() ? "none" : String.join(", ", store.projects()))
                + ")");
      }
      out.println(
          "Project "
              + project
              + ": live commit "
              + pointer.map(p -> p.commit().substring(0, 8)).orElse("none (never fully deployed)"));
      Map<String, Instant> nextDue = nextDue(repository, artifacts, project, pointer, schemas);
      out.printf(
          "%-14s %-10s %-22s %-22s %-22s %s%n",
          "SCHEMA", "COMMIT", "LAST REFRESH", "LAST FULL REFRESH", "NEXT DUE", "PHASE");
      for (SchemaState schema : schemas) {
        out.printf(
            "%-14s %-10s %-22s %-22s %-22s %s%n",
            schema.schema(),
            schema.liveCommit() == null
                ? "-"
                : schema.liveCommit().substring(0, Math.min(8, schema.liveCommit().length())),
            text(schema.lastRefresh()),
            text(schema.lastFullRefresh()),
            nextDue.containsKey(schema.schema()) ? text(nextDue.get(schema.schema())) : "-",
            phase(store, project, schema.schema()));
      }
      return 0;
    }
  }

  private Map<String, Instant> nextDue(
      SourceRepository repository,
      ArtifactStore artifacts,
      String project,
      Optional<ManifestPointer> pointer,
      List<SchemaState> schemas) {
    if (pointer.isEmpty()) {
      return Map.of();
    }
    Optional<InputStream> stream =
        artifacts.openManifest(
            new ArtifactStore.ProjectKey("local", project), pointer.get().commit());
    if (stream.isEmpty()) {
      return Map.of();
    }
    Manifest manifest;
    try (InputStream in = stream.get()) {
      manifest = ManifestReader.read(in, "stored manifest of " + pointer.get().commit());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    OperatorConfig config =
        new ProjectPlanner(repository, options.projectDir).config(pointer.get().commit());
    Map<String, SchemaState> state = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    schemas.forEach(s -> state.put(s.schema(), s));
    DueResult due =
        new DueCalculator(clock)
            .due(
                DueSchemas.of(SchemaGraph.build(manifest, config), config), state, clock.instant());
    return due.nextDue();
  }

  /** Ready after a successful run, else the newest run's status in the words of the CRD. */
  static String phase(StateStore store, String project, String schema) {
    List<RunRecord> newest = store.runs(project, schema, null, 1).runs();
    if (newest.isEmpty()) {
      return "Pending";
    }
    return switch (newest.get(0).status()) {
      case QUEUED -> "Pending";
      case RUNNING -> "Running";
      case SUCCESSFUL -> "Ready";
      case PARTIAL_SUCCESS, FAILED -> "Failed";
    };
  }

  private static String text(Instant instant) {
    return instant == null ? "-" : instant.toString();
  }
}
