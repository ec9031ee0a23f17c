package io.dbtoperator.api;

/**
 * What deleting a DbtSchema does to its warehouse schema. Retain leaves it; Drop drops it (and the
 * operator's staging and previous schemas of it) once its project no longer has it and no view in
 * another schema reads it.
 */
public enum DeletionPolicy {
  Retain,
  Drop
}
