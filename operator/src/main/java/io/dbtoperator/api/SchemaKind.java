package io.dbtoperator.api;

/** Whether a schema holds data that must be refreshed, or only views rebuilt on deploy. */
public enum SchemaKind {
  Materialized,
  ViewOnly
}
