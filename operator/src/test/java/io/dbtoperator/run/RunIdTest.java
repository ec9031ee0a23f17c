package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunIdTest {
  @Test
  void namesTimeCommitAndKindAndParsesBack() {
    RunId id =
        RunId.of(
            Instant.parse("2026-11-23T08:05:09.123Z"),
            "3F2A9C41d0e5b7c8a9f0e1d2c3b4a5f6e7d8c9b0",
            RunId.Kind.FULL_REFRESH);

    assertThat(id.value()).isEqualTo("20261123080509-3f2a9c41-fr");
    assertThat(RunId.parse(id.value())).isEqualTo(id);
    assertThat(id.isFor("3f2a9c41d0e5", RunId.Kind.FULL_REFRESH)).isTrue();
    assertThat(id.isFor("3f2a9c41d0e5", RunId.Kind.REFRESH)).isFalse();
    assertThat(id.isFor("4f2a9c41d0e5", RunId.Kind.FULL_REFRESH)).isFalse();
  }

  @Test
  void otherIdsDoNotParse() {
    assertThat(RunId.parse("manual-run")).isNull();
    assertThat(RunId.parse("20261123080509-3f2a9c41-x")).isNull();
  }
}
