package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class StagingSchemaTest {
  @Test
  void namesStagingAfterLiveAndRun() {
    StagingSchema staging = new StagingSchema("shop", "MARTS", "20261123080000-3f2a9c41-d");

    assertThat(staging.name()).isEqualTo("marts__dbtop_20261123080000_3f2a9c41_d");
    assertThat(StagingSchema.namePattern("marts", staging.name())).isTrue();
    assertThat(StagingSchema.namePattern("mart", staging.name())).isFalse();
    assertThat(StagingSchema.namePattern("marts", "marts_archive")).isFalse();
  }

  @Test
  void shortensLongNamesWithAHashSoThatTheyStayDistinct() {
    String longA = "a".repeat(50) + "_one";
    String longB = "a".repeat(50) + "_two";
    String run = "20261123080000-3f2a9c41-fr";
    String a = new StagingSchema("p", longA, run).name();
    String b = new StagingSchema("p", longB, run).name();

    assertThat(a).hasSize(63).endsWith("__dbtop_20261123080000_3f2a9c41_fr");
    assertThat(a).isNotEqualTo(b);
    assertThat(StagingSchema.namePattern(longA, a)).isTrue();
    assertThat(StagingSchema.namePattern(longB, a)).isFalse();
  }

  @Test
  void rejectsRunIdsThatCouldNotBePartOfAName() {
    assertThatThrownBy(() -> new StagingSchema("p", "marts", "Run 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("run id must match");
  }

  @Test
  void tagsRoundTripThroughTheCommentAndOthersAreIgnored() {
    SchemaTag tag =
        new SchemaTag(
            "shop",
            "marts",
            "20261123080000-3f2a9c41-d",
            SchemaTag.Role.LIVE,
            Instant.parse("2026-11-23T08:00:12.345Z"));

    assertThat(tag.toComment())
        .isEqualTo(
            "dbt-operator:v1 project=shop live=marts run=20261123080000-3f2a9c41-d role=live"
                + " at=2026-11-23T08:00:12.345Z");
    assertThat(SchemaTag.parse(tag.toComment())).contains(tag);
    assertThat(SchemaTag.parse("Marts, owned by the data team")).isEmpty();
    assertThat(SchemaTag.parse("dbt-operator:v1 project=shop role=sideways")).isEmpty();
    assertThat(SchemaTag.parse(null)).isEmpty();
  }

  @Test
  void grantDriftSaysWhatToGrantAndRevoke() {
    SchemaGrants live =
        SchemaGrants.of(
            java.util.Map.of(
                "reporter", java.util.List.of("select"), "old", java.util.List.of("SELECT")));
    SchemaGrants desired =
        SchemaGrants.of(
            java.util.Map.of(
                "REPORTER", java.util.List.of("SELECT"), "analyst", java.util.List.of("SELECT")));

    GrantDrift drift = live.driftTo(desired);

    assertThat(drift.describe()).isEqualTo("granted ANALYST: SELECT; revoked OLD: SELECT");
    assertThat(desired.driftTo(desired).describe()).isEqualTo("grants as desired");
  }
}
