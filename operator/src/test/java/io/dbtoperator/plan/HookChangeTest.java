package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hooks are compared through the macros they call, for changed macros and changed vars. */
class HookChangeTest {
  /** A project with one model and an on-run-end hook calling a macro of the project. */
  private static Manifest manifest(String auditMacroSql) {
    String json =
        """
        {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
           "project_name": "p", "adapter_type": "postgres"},
         "nodes": {
           "model.p.a": {"resource_type": "model", "unique_id": "model.p.a", "package_name": "p",
             "schema": "s", "raw_code": "select 1", "config": {"materialized": "table"},
             "checksum": {"name": "sha256", "checksum": "c"},
             "depends_on": {"nodes": [], "macros": []}},
           "operation.p.p-on-run-end-0": {"resource_type": "operation",
             "unique_id": "operation.p.p-on-run-end-0", "package_name": "p",
             "raw_code": "{{ audit() }}", "depends_on": {"macros": ["macro.p.audit"]}}
         },
         "macros": {
           "macro.p.audit": {"unique_id": "macro.p.audit", "package_name": "p",
             "macro_sql": %s, "depends_on": {"macros": []}}
         }}
        """
            .formatted(quoted(auditMacroSql));
    return ManifestReader.read(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "inline.json");
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\"", "\\\"") + "\"";
  }

  @Test
  void aHookCallingAChangedMacroIsAFullDeploy() {
    Manifest from = manifest("insert into audit select 1");
    Manifest to = manifest("insert into audit select 2");
    Detected detected = new Detected();

    ManifestComparison.compare(
        from,
        to,
        SchemaGraph.build(from, OperatorConfig.EMPTY),
        SchemaGraph.build(to, OperatorConfig.EMPTY),
        detected);

    assertThat(detected.fullDeployReasons)
        .containsExactly(
            "on-run-end hook operation.p.p-on-run-end-0 uses changed macro macro.p.audit:"
                + " hooks run around every deploy and cannot be attributed to schemas");
    assertThat(detected.modified).isEmpty();
  }

  @Test
  void aHookReadingAChangedVarThroughAMacroIsAFullDeploy() {
    Manifest manifest = manifest("insert into {{ var('audit_table') }} select 1");

    VarAttribution attribution = VarAttribution.of(manifest, Set.of("audit_table"));

    assertThat(attribution.fullDeployReasons())
        .containsExactly(
            "on-run-end hook operation.p.p-on-run-end-0 reads var audit_table through"
                + " macro.p.audit (vars changed in dbt_project.yml: audit_table):"
                + " hooks run around every deploy and cannot be attributed to schemas");
    assertThat(attribution.nodes()).isEmpty();
  }
}
