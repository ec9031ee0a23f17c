package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One key of a Secret in the resource's namespace. */
public record SecretKeyRef(
    @Required @JsonPropertyDescription("Name of the Secret, in the same namespace as the resource.")
        String name,
    @Required @JsonPropertyDescription("Key within the Secret whose value is used.") String key) {}
