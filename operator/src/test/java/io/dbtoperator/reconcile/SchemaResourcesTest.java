package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtSchemaStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The next-due time a DbtSchema shows: stable while overdue, so passes write no new status. */
class SchemaResourcesTest {
  static final Instant DUE = Instant.parse("2026-11-28T10:00:00Z");
  static final Instant LATER = Instant.parse("2026-11-28T10:07:31.250Z");

  static DbtSchemaStatus shown(String nextDue) {
    return new DbtSchemaStatus(
        1L, null, "Ready", null, null, null, null, nextDue, null, null, null, null);
  }

  @Test
  void aDueTimeThatHasComeStaysShownWhileTheSchemaWaitsForTheTick() {
    assertThat(SchemaResources.nextDueText(shown("2026-11-28T10:00:00Z"), LATER, LATER))
        .isEqualTo("2026-11-28T10:00:00Z");
  }

  @Test
  void aSchemaFirstFoundOverdueShowsThatPassThenKeepsIt() {
    String first = SchemaResources.nextDueText(null, LATER, LATER);
    assertThat(first).isEqualTo("2026-11-28T10:07:31Z");
    Instant next = LATER.plusSeconds(5);
    assertThat(SchemaResources.nextDueText(shown(first), next, next)).isEqualTo(first);
  }

  @Test
  void aFutureDueTimeIsShownAsItIs() {
    Instant future = LATER.plusSeconds(3600);
    assertThat(SchemaResources.nextDueText(shown("2026-11-28T10:00:00Z"), future, LATER))
        .isEqualTo("2026-11-28T11:07:31Z");
    assertThat(SchemaResources.nextDueText(shown("2026-11-28T12:00:00Z"), LATER, LATER))
        .as("shown time still ahead, schema due now after all (e.g. a shorter cadence)")
        .isEqualTo("2026-11-28T10:07:31Z");
  }

  @Test
  void aSchemaNeverRefreshedOnACadenceShowsNone() {
    assertThat(SchemaResources.nextDueText(shown("2026-11-28T10:00:00Z"), null, LATER)).isNull();
  }
}
