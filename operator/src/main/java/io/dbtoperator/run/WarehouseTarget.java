package io.dbtoperator.run;

import io.dbtoperator.warehouse.Warehouse;
import java.time.Clock;
import java.util.function.Consumer;

/** A warehouse connection as both the operator (JDBC) and dbt (a profile) use it. */
public interface WarehouseTarget {

  /** The dbt adapter type, e.g. "postgres". */
  String type();

  /**
   * @param project project key written into schema tags
   * @param notices receives repairs the warehouse made (grant drift, re-bound views)
   */
  Warehouse open(String project, Clock clock, Consumer<String> notices);

  /**
   * @param queryTag JSON naming project, schema and run, for warehouses that tag sessions
   */
  DbtProfile profile(String profileName, int threads, String queryTag);
}
