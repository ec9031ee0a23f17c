package io.dbtoperator.cli;

import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.PartialParse;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The init container of a parse pod before dbt: lays the previous parse's state into dbt's target
 * directory, so that dbt parses only the files that changed.
 */
@Command(
    name = "restore-partial-parse",
    mixinStandardHelpOptions = true,
    description =
        "Puts the stored partial_parse.msgpack of a key into dbt's target directory (used by parse"
            + " pods).")
final class RestorePartialParseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PodArtifactOptions store;

  @Option(
      names = "--key",
      required = true,
      description = "The dbt version, profile and vars the state must have been parsed with.")
  String key;

  @Option(names = "--dest", required = true, description = "dbt's target directory.")
  Path dest;

  @Override
  public Integer call() {
    boolean restored;
    try (ArtifactStore artifacts = store.open()) {
      restored = new PartialParse(artifacts, store.key()).restore(key, dest);
    }
    spec.commandLine()
        .getOut()
        .println(
            restored
                ? "restored the partial-parse state " + key + " into " + dest
                : "no partial-parse state " + key + " is stored: dbt parses in full");
    return Main.NO_CHANGES;
  }
}
