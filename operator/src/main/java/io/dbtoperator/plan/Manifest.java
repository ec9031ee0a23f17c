package io.dbtoperator.plan;

import java.util.Map;

/**
 * What planning keeps of a dbt manifest.json.
 *
 * @param source file name or description, used in error messages
 * @param schemaVersion "v4" .. "v12"
 * @param nodes enabled models, seeds, snapshots and tests by unique id
 * @param macros macros by unique id
 * @param hooks on-run-start and on-run-end hooks of the project and its packages by unique id
 * @param varUses the vars read by name in the code or config of nodes, hooks and macros, by unique
 *     id; ids that read none are left out
 */
public record Manifest(
    String source,
    String schemaVersion,
    String projectName,
    String adapterType,
    Map<String, ManifestNode> nodes,
    Map<String, ManifestMacro> macros,
    Map<String, ManifestHook> hooks,
    Map<String, VarUse> varUses) {}
