package io.dbtoperator.cli;

import io.dbtoperator.run.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The last container of a parse pod: puts the manifest dbt wrote into the artifact store. */
@Command(
    name = "upload-manifest",
    mixinStandardHelpOptions = true,
    description = "Stores a commit's manifest.json in the artifact store (used by parse pods).")
final class UploadManifestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PodArtifactOptions store;

  @Option(names = "--commit", required = true, description = "Commit the manifest is of.")
  String commit;

  @Option(names = "--file", required = true, description = "The manifest.json to store.")
  Path file;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new UserInputException("--file: " + file + " does not exist");
    }
    try (ArtifactStore artifacts = store.open()) {
      artifacts.putManifest(store.key(), commit, file);
    }
    spec.commandLine()
        .getOut()
        .println("stored the manifest of " + commit + " in " + store.artifacts);
    return Main.NO_CHANGES;
  }
}
