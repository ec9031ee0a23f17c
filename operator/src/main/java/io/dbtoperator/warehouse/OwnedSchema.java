package io.dbtoperator.warehouse;

/** A schema the operator created, as found in the warehouse. */
public record OwnedSchema(String name, SchemaTag tag) {}
