package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** Observed state of one schema. Timestamps are RFC 3339 strings, as in core Kubernetes types. */
public record DbtSchemaStatus(
    @JsonPropertyDescription("metadata.generation of the spec this status reflects.")
        Long observedGeneration,
    @SchemaFrom(type = ConditionSchema[].class)
        @JsonPropertyDescription("Conditions of types Ready, Reconciling and Stalled.")
        List<Condition> conditions,
    @JsonPropertyDescription(
            "Summary of the schema's state: Pending, Deploying, Refreshing, Ready, Failed or"
                + " Suspended.")
        String phase,
    @JsonPropertyDescription("Commit whose build of this schema is live.") String liveCommit,
    @JsonPropertyDescription("First 7 characters of liveCommit.") String liveCommitShort,
    @JsonPropertyDescription("When the last successful build (deploy or refresh) went live.")
        String lastRefresh,
    @JsonPropertyDescription("When the last successful full refresh or full deploy went live.")
        String lastFullRefresh,
    @JsonPropertyDescription(
            "When the next scheduled refresh is due; in the past for an overdue schema.")
        String nextDue,
    @JsonPropertyDescription("The latest run that built this schema.") RunSummary lastRun,
    @JsonPropertyDescription(
            "Token of the last refresh request (annotation dbtoperator.io/refresh) handled.")
        String lastHandledRefresh,
    @JsonPropertyDescription(
            "Token of the last full-refresh request (annotation dbtoperator.io/full-refresh)"
                + " handled.")
        String lastHandledFullRefresh,
    @JsonPropertyDescription(
            "Token of the last rollback request (annotation dbtoperator.io/rollback) handled.")
        String lastHandledRollback) {}
