package io.dbtoperator.api;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/**
 * CRD schema of a map with values of any type: a Map&lt;String, Object&gt; field would otherwise
 * require every value to be an object.
 */
@PreserveUnknownFields
record FreeFormObject() {}
