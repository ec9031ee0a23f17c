package io.dbtoperator.run;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where run logs, dbt artifacts, manifests and docs are kept.
 *
 * <p>Layout, relative to the store's root (an S3 bucket prefix or a local directory):
 *
 * <pre>
 * &lt;namespace&gt;/&lt;project&gt;/runs/&lt;schema&gt;/&lt;run-id&gt;/{dbt.log, run_results.json, manifest.json}
 * &lt;namespace&gt;/&lt;project&gt;/manifest/&lt;sha&gt;.json
 * &lt;namespace&gt;/&lt;project&gt;/partial-parse/&lt;key&gt;.msgpack
 * &lt;namespace&gt;/&lt;project&gt;/docs/{index.html, catalog.json, manifest.json}
 * </pre>
 *
 * The CLI uses the namespace "local". Files are streamed, never read whole into memory.
 */
public interface ArtifactStore extends AutoCloseable {

  /** A project's place in the layout. */
  record ProjectKey(String namespace, String project) {}

  /**
   * Stores one file of a run, e.g. {@code dbt.log}, replacing an earlier copy.
   *
   * @return the location to record in the run history (an s3:// or file: URI)
   */
  String putRunFile(ProjectKey project, String schema, String runId, String fileName, Path file);

  /** Where {@link #putRunFile} stores that file, whether or not it is there yet. */
  String runFileLocation(ProjectKey project, String schema, String runId, String fileName);

  Optional<InputStream> openRunFile(
      ProjectKey project, String schema, String runId, String fileName);

  /** Stores the manifest of a commit; it is the newest manifest until another one is stored. */
  void putManifest(ProjectKey project, String commitSha, Path manifestJson);

  Optional<InputStream> openManifest(ProjectKey project, String commitSha);

  /** Commits whose manifest is stored, in no particular order. */
  List<String> manifestCommits(ProjectKey project);

  /**
   * Deletes every stored manifest but {@code keepCommitSha}'s. Called after a deploy of that commit
   * completed, so the manifest of the live commit is the only one kept.
   */
  void retainOnlyManifest(ProjectKey project, String keepCommitSha);

  /**
   * Stores dbt's {@code partial_parse.msgpack} under {@code parseKey} (see {@link
   * PartialParse#key}) and deletes the others: only the newest is kept, as for manifests.
   */
  void putPartialParse(ProjectKey project, String parseKey, Path msgpack);

  /** The partial-parse file stored under {@code parseKey}, if it is the one kept. */
  Optional<InputStream> openPartialParse(ProjectKey project, String parseKey);

  /** Replaces the project's docs with the files of {@code docsDir} (dbt docs generate output). */
  void putDocs(ProjectKey project, Path docsDir);

  @Override
  void close();
}
