package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.warehouse.OwnedSchema;
import io.dbtoperator.warehouse.PostgresSettings;
import io.dbtoperator.warehouse.PostgresWarehouse;
import io.dbtoperator.warehouse.SchemaGrants;
import io.dbtoperator.warehouse.SchemaTag;
import io.dbtoperator.warehouse.StagingSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Swaps a schema 200 times while readers, connected as a consumer role, query it without pause: no
 * reader may see an error (missing schema, missing table, missing grant) or an older version after
 * a newer one.
 */
class SwapUnderLoadIT {

  @Test
  void twoHundredSwapsUnderConcurrentReadersCauseNoErrors() throws Exception {
    PostgresSettings pg = PostgresHarness.newDatabase("swaps");
    SchemaGrants grants = SchemaGrants.of(Map.of("reporter", List.of("SELECT")));
    Clock clock = Clock.fixed(Instant.parse("2026-11-23T08:00:00Z"), ZoneOffset.UTC);
    List<String> notices = new ArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    try (PostgresWarehouse warehouse = new PostgresWarehouse(pg, "load", clock, notices::add)) {
      deploy(warehouse, pg, 0, grants);
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        Thread reader =
            new Thread(
                () -> {
                  int lastSeen = -1;
                  try (Connection c = PostgresHarness.connect(pg, "reporter", "reporter");
                      Statement s = c.createStatement()) {
                    while (running.get()) {
                      try (ResultSet rs = s.executeQuery("select version from hot.t")) {
                        rs.next();
                        int version = rs.getInt(1);
                        if (version < lastSeen) {
                          errors.add("saw version " + version + " after " + lastSeen);
                        }
                        lastSeen = version;
                        reads.incrementAndGet();
                      } catch (SQLException e) {
                        errors.add(e.getMessage());
                      }
                    }
                  } catch (SQLException e) {
                    errors.add("connect: " + e.getMessage());
                  }
                });
        reader.start();
        readers.add(reader);
      }
      for (int version = 1; version <= 200; version++) {
        deploy(warehouse, pg, version, grants);
      }
      running.set(false);
      for (Thread reader : readers) {
        reader.join();
      }
      assertThat(errors).isEmpty();
      assertThat(reads.get()).isGreaterThan(200);
      assertThat(PostgresHarness.rows(pg, "select version from hot.t")).containsExactly("200");
      List<OwnedSchema> owned = warehouse.ownedSchemas("hot");
      assertThat(owned).hasSize(1);
      assertThat(owned.get(0).tag().role()).isEqualTo(SchemaTag.Role.PREVIOUS);
      System.out.printf("200 swaps, %d reads by 3 readers, 0 errors%n", reads.get());
    }
  }

  /** One run's warehouse steps: staging, build, grants, swap, drop the older previous version. */
  private static void deploy(
      PostgresWarehouse warehouse, PostgresSettings pg, int version, SchemaGrants grants) {
    StagingSchema staging =
        new StagingSchema("load", "hot", String.format("%014d-0000000%d-d", version, version % 10));
    warehouse.createStaging(staging);
    PostgresHarness.execute(
        pg, "create table \"" + staging.name() + "\".t as select " + version + " as version");
    warehouse.applyGrants(staging.name(), grants);
    warehouse.swap(staging);
    for (OwnedSchema owned : warehouse.ownedSchemas("hot")) {
      if (owned.tag().role() == SchemaTag.Role.PREVIOUS && !owned.name().equals(staging.name())) {
        warehouse.drop(owned.name());
      }
    }
  }
}
