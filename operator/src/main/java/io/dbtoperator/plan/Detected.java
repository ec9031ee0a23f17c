package io.dbtoperator.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** What the change detection found, before it becomes steps. */
final class Detected {
  final List<String> fullDeployReasons = new ArrayList<>();

  /** Relations and ephemeral models to build again, with why. */
  final Map<String, String> modified = new TreeMap<>();

  /** Tests to run again, with why, and the schemas of the relations they test. */
  final Map<String, String> tests = new TreeMap<>();

  final Map<String, Set<String>> testSchemas = new TreeMap<>();

  /** Relations that leave a schema that stays, by schema. */
  final Map<String, Set<String>> removed = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

  void addTest(ManifestNode test, String reason, SchemaGraph graph) {
    Set<String> schemas = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String parent : test.dependsOnNodes()) {
      String schema = graph.schemaOf(parent);
      if (schema != null) {
        schemas.add(schema);
      }
    }
    if (!schemas.isEmpty()) {
      tests.put(test.uniqueId(), reason);
      testSchemas.put(test.uniqueId(), schemas);
    }
  }
}
