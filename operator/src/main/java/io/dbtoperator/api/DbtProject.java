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

/** A dbt project deployed and refreshed schema by schema. */
@JsonClassDescription(
    "A dbt project that the operator deploys and refreshes schema by schema: the git repository and the commit or branch to deploy, the dbt image, the warehouse and its Secret, the state store and the artifact store. kubectl get dbtprojects shows the desired and live commits and the pending plan.")
@Group(DbtProject.GROUP)
@Version(DbtProject.VERSION)
@ShortNames("dbtp")
@Categories("dbt")
@AdditionalPrinterColumn(
    name = "DESIRED",
    jsonPath = ".status.desiredCommitShort",
    getDescription = "Commit to deploy")
@AdditionalPrinterColumn(
    name = "LIVE",
    jsonPath = ".status.liveCommitShort",
    getDescription = "Commit whose build is live")
@AdditionalPrinterColumn(
    name = "PLAN",
    jsonPath = ".status.plan.summary",
    getDescription = "Steps of the pending plan")
@AdditionalPrinterColumn(
    name = "READY",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    getDescription = "Status of the Ready condition")
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE,
    getDescription = "Time since the resource was created")
public class DbtProject extends CustomResource<DbtProjectSpec, DbtProjectStatus>
    implements Namespaced {
  public static final String GROUP = "dbtoperator.io";
  public static final String VERSION = "v1alpha1";

  @Override
  @JsonPropertyDescription("Desired state of the project.")
  public DbtProjectSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("State of the project as observed by the operator.")
  public DbtProjectStatus getStatus() {
    return super.getStatus();
  }
}
