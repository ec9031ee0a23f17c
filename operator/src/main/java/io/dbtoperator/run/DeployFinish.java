package io.dbtoperator.run;

import io.dbtoperator.state.ManifestPointer;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The end of a deploy: the commit's manifest stored, the project pointed at it, docs generated. */
final class DeployFinish {
  private final RunContext context;

  DeployFinish(RunContext context) {
    this.context = context;
  }

  /**
   * Stores the commit's manifest; when every schema is live at the commit, points the project at it
   * and deletes older manifests, so the next plan starts from here. Then regenerates the docs.
   */
  void finish(List<SchemaOutcome> outcomes) {
    Workspace workspace = context.workspace();
    ArtifactStore artifacts = context.artifacts();
    artifacts.putManifest(context.artifactKey(), workspace.commit(), workspace.manifestFile());
    boolean complete = outcomes.stream().noneMatch(o -> o.result().blocksDependents());
    if (complete) {
      for (int attempt = 0; attempt < 5; attempt++) {
        Optional<ManifestPointer> current = context.store().manifest(context.project());
        ManifestPointer next =
            new ManifestPointer(
                context.project(),
                workspace.commit(),
                "manifest/" + workspace.commit() + ".json",
                context.clock().instant().truncatedTo(ChronoUnit.MILLIS),
                0);
        if (context
            .store()
            .compareAndSetManifest(current.map(ManifestPointer::version).orElse(0L), next)) {
          break;
        }
      }
      artifacts.retainOnlyManifest(context.artifactKey(), workspace.commit());
    }
    if (context.settings().generateDocs()
        && outcomes.stream().anyMatch(o -> o.result() == SchemaOutcome.Result.LIVE)) {
      generateDocs();
    }
  }

  private void generateDocs() {
    Workspace workspace = context.workspace();
    WarehouseTarget target = context.target();
    StagingRedirect.install(
        workspace.projectDir(),
        workspace.layout(),
        workspace.manifest(),
        Map.of(),
        target.type().equals("snowflake"));
    DbtProfile profile =
        target.profile(workspace.profileName(), context.settings().threads(), null);
    DbtCommand command = workspace.command(target, profile, List.of("docs", "generate"), "docs");
    int exit = context.dbt().run(command, line -> {});
    if (exit != 0) {
      context
          .listener()
          .notice("", "dbt docs generate failed (exit " + exit + "); docs were not updated");
      return;
    }
    context.artifacts().putDocs(context.artifactKey(), workspace.targetPath("docs"));
  }
}
