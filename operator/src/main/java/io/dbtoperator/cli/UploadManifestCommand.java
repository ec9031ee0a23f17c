package io.dbtoperator.cli;

import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.PartialParse;
import java.io.PrintWriter;
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

  @Option(
      names = "--partial-parse",
      description = "dbt's partial_parse.msgpack to store with it, for the next parse.")
  Path partialParse;

  @Option(
      names = "--partial-parse-key",
      description = "Key of --partial-parse: the dbt version, profile and vars it depends on.")
  String partialParseKey;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new UserInputException("--file: " + file + " does not exist");
    }
    if ((partialParse == null) != (partialParseKey == null)) {
      throw new UserInputException("--partial-parse and --partial-parse-key go together");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (ArtifactStore artifacts = store.open()) {
      artifacts.putManifest(store.key(), commit, file);
      out.println("stored the manifest of " + commit + " in " + store.artifacts);
      if (partialParse != null) {
        boolean stored =
            new PartialParse(artifacts, store.key())
                .store(partialParseKey, partialParse.getParent());
        out.println(
            stored
                ? "stored the partial-parse state " + partialParseKey
                : "dbt wrote no " + partialParse + ": no partial-parse state to store");
      }
    }
    return Main.NO_CHANGES;
  }
}
