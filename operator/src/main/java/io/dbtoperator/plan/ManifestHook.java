package io.dbtoperator.plan;

import java.util.List;

/**
 * An on-run-start or on-run-end hook of the project or a package (an operation node).
 *
 * @param sqlHash sha-256 (hex) of its SQL; the node's checksum is that of the whole
 *     dbt_project.yml, so it changes with any edit of the file
 * @param dependsOnMacros the macros its SQL calls, whose changes change the hook too
 */
record ManifestHook(String sqlHash, List<String> dependsOnMacros) {
  ManifestHook {
    dependsOnMacros = List.copyOf(dependsOnMacros);
  }
}
