package io.dbtoperator.cli;

import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.plan.Futures;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.OperatorConfigFile;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.ProjectPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = "Shows what deploying one commit over another would do, schema by schema.")
final class PlanCommand implements Callable<Integer> {
  enum Output {
    text,
    json
  }

  @Spec CommandSpec spec;

  @Option(names = "--repo", required = true, description = "Git repository, bare or working copy.")
  Path repo;

  @Option(
      names = "--project-dir",
      defaultValue = "",
      description = "Directory of dbt_project.yml inside the repository (default: its root).")
  String projectDir;

  @Option(
      names = "--from",
      description = "Live revision (sha, branch, tag). Omit for a first deploy.")
  String from;

  @Option(names = "--to", required = true, description = "Desired revision.")
  String to;

  @Option(names = "--from-manifest", description = "manifest.json written by dbt at --from.")
  Path fromManifest;

  @Option(names = "--to-manifest", description = "manifest.json written by dbt at --to.")
  Path toManifest;

  @Option(
      names = "--config",
      description = "Operator settings to use instead of each commit's dbt-operator.yml.")
  Path config;

  @Option(
      names = "--output",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Output output;

  @Override
  public Integer call() {
    CompletableFuture<Manifest> fromRead = read(fromManifest);
    CompletableFuture<Manifest> toRead = read(toManifest);
    OperatorConfig override = config == null ? null : readConfig(config);
    Plan plan;
    try (SourceRepository repository = ProjectOptions.openRepository(repo, "--repo")) {
      plan =
          new ProjectPlanner(repository, projectDir)
              .plan(
                  from, to, () -> Futures.joined(fromRead), () -> Futures.joined(toRead), override);
    }
    if (output == Output.json) {
      spec.commandLine().getOut().println(PlanRenderer.json(plan));
    } else {
      spec.commandLine()
          .getOut()
          .print(
              PlanRenderer.text(
                  plan,
                  "dbt-operator plan: " + shortSha(plan.from()) + " -> " + shortSha(plan.to())));
    }
    spec.commandLine().getOut().flush();
    return plan.hasChanges() ? Main.CHANGES : Main.NO_CHANGES;
  }

  /**
   * Both manifests are parsed at once, while the main thread reads the repository: on large
   * projects parsing is most of the plan's time. Each gets a thread of its own: the common pool has
   * one worker on two cores, where Java 25's CompletableFuture queues both reads on it (17's gave
   * each a thread).
   */
  private static CompletableFuture<Manifest> read(Path manifest) {
    if (manifest == null) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.supplyAsync(
        () -> ManifestReader.read(manifest), PlanCommand::startReader);
  }

  private static void startReader(Runnable read) {
    Thread reader = new Thread(read, "manifest-reader");
    // A failed plan exits without waiting for the other manifest.
    reader.setDaemon(true);
    reader.start();
  }

  static OperatorConfig readConfig(Path file) {
    try {
      return OperatorConfigFile.parse(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new UserInputException("--config " + file + ": file not found");
    } catch (IOException e) {
      throw new UserInputException("--config " + file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static String shortSha(String sha) {
    return sha == null ? "(nothing live)" : sha.substring(0, 7);
  }
}
