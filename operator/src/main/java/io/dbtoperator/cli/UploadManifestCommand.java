package io.dbtoperator.cli;

import io.dbtoperator.run.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

  @Option(names = "--artifacts", required = true, description = "local:DIR or s3://BUCKET/PREFIX.")
  String artifacts;

  @Option(names = "--namespace", required = true, description = "Namespace of the DbtProject.")
  String namespace;

  @Option(names = "--project", required = true, description = "Name of the DbtProject.")
  String project;

  @Option(names = "--commit", required = true, description = "Commit the manifest is of.")
  String commit;

  @Option(names = "--file", required = true, description = "The manifest.json to store.")
  Path file;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new UserInputException("--file: " + file + " does not exist");
    }
    try (ArtifactStore store =
        io.dbtoperator.run.ArtifactLocation.parse(artifacts, System.getenv()).open()) {
      store.putManifest(new ArtifactStore.ProjectKey(namespace, project), commit, file);
    }
    spec.commandLine().getOut().println("stored the manifest of " + commit + " in " + artifacts);
    return Main.NO_CHANGES;
  }
}
