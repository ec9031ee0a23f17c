package io.dbtoperator.cli;

import io.dbtoperator.run.ArtifactLocation;
import io.dbtoperator.run.ArtifactStore;
import picocli.CommandLine.Option;

/**
 * The artifact store and project of the commands that run in the operator's pods: the location in
 * an argument, credentials only from the environment (Secret references in the pod).
 */
final class PodArtifactOptions {
  @Option(names = "--artifacts", required = true, description = "local:DIR or s3://BUCKET/PREFIX.")
  String artifacts;

  @Option(names = "--namespace", required = true, description = "Namespace of the DbtProject.")
  String namespace;

  @Option(names = "--project", required = true, description = "Name of the DbtProject.")
  String project;

  ArtifactStore open() {
    return ArtifactLocation.parse(artifacts, System.getenv()).open();
  }

  ArtifactStore.ProjectKey key() {
    return new ArtifactStore.ProjectKey(namespace, project);
  }
}
