package io.dbtoperator.plan;

import java.util.List;

/**
 * One macro of a dbt manifest.
 *
 * @param sqlHash sha-256 (hex) of macro_sql, so that two manifests can be compared without keeping
 *     the SQL in memory
 */
public record ManifestMacro(
    String uniqueId,
    String packageName,
    String originalFilePath,
    String sqlHash,
    List<String> dependsOnMacros) {}
