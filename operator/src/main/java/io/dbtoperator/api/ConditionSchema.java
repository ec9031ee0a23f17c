package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * CRD schema of fabric8's Condition, which carries no descriptions; status fields keep the
 * Condition type and take their schema from here.
 */
record ConditionSchema(
    @Required @JsonPropertyDescription("Type of the condition: Ready, Reconciling or Stalled.")
        String type,
    @Required @JsonPropertyDescription("Status of the condition: True, False or Unknown.")
        String status,
    @JsonPropertyDescription("metadata.generation the condition was set for.")
        Long observedGeneration,
    @Required @JsonPropertyDescription("When the condition last changed status (RFC 3339).")
        String lastTransitionTime,
    @JsonPropertyDescription("Machine-readable CamelCase reason for the last transition.")
        String reason,
    @JsonPropertyDescription("Human-readable details of the last transition.") String message) {}
