package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Operator settings and observed state of one warehouse schema of a DbtProject. */
@JsonClassDescription(
    "One warehouse schema of a DbtProject: its refresh cadence, grants, dependencies and deletion policy, and, in status, its live commit, last refresh, next due time and phase. The operator creates one per schema of the project; a DbtSchema written by hand sets the settings of its schema.")
@Group(DbtProject.GROUP)
@Version(DbtProject.VERSION)
@ShortNames("dbts")
@Categories("dbt")
@AdditionalPrinterColumn(
    name = "SCHEMA",
    jsonPath = ".spec.schema",
    getDescription = "Warehouse schema name")
@AdditionalPrinterColumn(
    name = "PROJECT",
    jsonPath = ".spec.projectRef",
    getDescription = "DbtProject the schema belongs to")
@AdditionalPrinterColumn(
    name = "KIND",
    jsonPath = ".spec.kind",
    getDescription = "Materialized or ViewOnly")
@AdditionalPrinterColumn(
    name = "LIVE",
    jsonPath = ".status.liveCommitShort",
    getDescription = "Commit whose build is live")
@AdditionalPrinterColumn(
    name = "LAST-REFRESH",
    jsonPath = ".status.lastRefresh",
    type = AdditionalPrinterColumn.Type.DATE,
    getDescription = "Time since the last successful build")
// A string, not a date: kubectl prints future dates as "<invalid>".
@AdditionalPrinterColumn(
    name = "NEXT-DUE",
    jsonPath = ".status.nextDue",
    getDescription = "When the next refresh is due")
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", getDescription = "Phase")
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE,
    getDescription = "Time since the resource was created")
public class DbtSchema extends CustomResource<DbtSchemaSpec, DbtSchemaStatus>
    implements Namespaced {

  @Override
  @JsonPropertyDescription("Desired operator settings of the schema.")
  public DbtSchemaSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("State of the schema as observed by the operator.")
  public DbtSchemaStatus getStatus() {
    return super.getStatus();
  }
}
