package io.dbtoperator.warehouse;

import java.util.List;
import java.util.Optional;

/**
 * The warehouse operations a run needs. Schema names are the names dbt generates (unquoted
 * identifiers); each implementation folds and quotes them the way dbt does for its adapter.
 *
 * <p>Every operation is idempotent so that a run killed between any two calls can repeat the call
 * it was in when it restarts.
 */
public interface Warehouse extends AutoCloseable {

  /** Creates the schema if it is missing; an existing schema is left as it is. */
  void ensureSchema(String schema);

  boolean schemaExists(String schema);

  /**
   * Creates the staging schema of a run, tagged {@link SchemaTag.Role#STAGING}. A staging schema
   * left by an earlier attempt of the same run is dropped and created again.
   */
  void createStaging(StagingSchema staging);

  /**
   * Brings the live relations a build must keep into staging. With {@code wholeSchema} (only where
   * {@link #canCloneWholeSchema}) the whole live schema is cloned, so the build may select only the
   * changed models; otherwise each table of {@code keepRelations} is copied (Postgres) or zero-copy
   * cloned (Snowflake) on its own, several at once, and nothing else is brought over. A missing
   * live schema or relation is skipped, as on a first deploy; a relation that fails to clone fails
   * the whole call, naming it, after the others were attempted.
   *
   * @param keepRelations relation names (identifiers) of the live schema
   */
  void cloneLive(StagingSchema staging, List<String> keepRelations, boolean wholeSchema);

  /**
   * Exchanges live and staging atomically: afterwards the live name holds the new build, tagged
   * {@link SchemaTag.Role#LIVE} with the staging's run, and the staging name holds the previous
   * live version, tagged {@link SchemaTag.Role#PREVIOUS}. When there is no live schema yet the
   * staging schema is renamed to live.
   *
   * @return false if live already carried this run's tag, so that nothing was swapped twice
   */
  boolean swap(StagingSchema staging);

  /**
   * Swaps several schemas that read each other as one unit, each as {@link #swap} does. On Postgres
   * it is one transaction; on Snowflake, which has no transactional DDL, consecutive {@code SWAP
   * WITH} statements with nothing in between, so readers may see some swapped and not others for
   * the milliseconds between two statements (docs/deploys.md).
   *
   * @return false if every live schema already carried its staging's run tag
   */
  boolean swapTogether(List<StagingSchema> stagings);

  /**
   * Makes a previous version live again, the same way {@link #swap} does: the current live version
   * takes the previous schema's name, tagged {@link SchemaTag.Role#PREVIOUS}.
   *
   * @return false if live already held that version
   */
  boolean restore(String liveSchema, OwnedSchema previous);

  /**
   * True when {@link #cloneLive} can bring the whole live schema into staging at once, so that a
   * deploy builds only the changed models (docs/deploys.md, "Clone").
   */
  boolean canCloneWholeSchema();

  /**
   * Makes the grants of a schema equal {@code desired}: USAGE on the schema and each privilege on
   * every table and view (and, where the warehouse has them, on future ones). Grants not in {@code
   * desired} are revoked. Owner privileges are never touched.
   *
   * @return what had to change
   */
  GrantDrift applyGrants(String schema, SchemaGrants desired);

  /** The grants held on the schema, in the same shape as {@link #applyGrants}. */
  SchemaGrants currentGrants(String schema);

  /**
   * Drops the schema and everything in it; nothing if it does not exist.
   *
   * @throws WarehouseException when a view in another schema reads it, which is then kept
   */
  void drop(String schema);

  /**
   * Views (and materialized views) in other schemas that read a relation of {@code schema}, as
   * {@code schema.view}, sorted: what dropping it would break.
   */
  List<String> viewsReading(String schema);

  /**
   * Drops the schema and everything in it unless a view in another schema reads it: nothing outside
   * the schema is ever dropped with it.
   *
   * @return the views in other schemas that read it, in which case nothing was dropped; empty when
   *     it was dropped or did not exist
   */
  List<String> dropUnlessRead(String schema);

  /**
   * Schemas created by the operator for {@code liveSchema}: their name matches {@link
   * StagingSchema#namePattern} and their comment carries a {@link SchemaTag}. Oldest first.
   */
  List<OwnedSchema> ownedSchemas(String liveSchema);

  /** The operator's tag on a schema, empty if it has none or does not exist. */
  Optional<SchemaTag> tag(String schema);

  /** The longest schema name the warehouse keeps whole, in bytes of UTF-8. */
  int maxNameBytes();

  /** Privileges on tables and views this warehouse knows, upper case. */
  java.util.Set<String> privileges();

  @Override
  void close();
}
