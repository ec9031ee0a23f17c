package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;

/**
 * CRD schema of fabric8's ResourceRequirements, which carries no descriptions. Claims are left out:
 * dbt pods use no dynamic resources.
 */
record ResourceRequirementsSchema(
    @JsonPropertyDescription("Maximum resources, e.g. {cpu: \"2\", memory: 4Gi}.")
        Map<String, IntOrString> limits,
    @JsonPropertyDescription("Resources reserved for scheduling, e.g. {cpu: 500m, memory: 1Gi}.")
        Map<String, IntOrString> requests) {}
