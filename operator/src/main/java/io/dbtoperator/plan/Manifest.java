package io.dbtoperator.plan;

import java.util.Map;

/**
 * What planning keeps of a dbt manifest.json.
 *
 * @param source file name or description, used in error messages
 * @param schemaVersion "v4" .. "v12"
 * @param nodes enabled models, seeds, snapshots and tests by unique id
 * @param macros macros by unique id
 */
public record Manifest(
    String source,
    String schemaVersion,
    String projectName,
    String adapterType,
    Map<String, ManifestNode> nodes,
    Map<String, ManifestMacro> macros) {}
