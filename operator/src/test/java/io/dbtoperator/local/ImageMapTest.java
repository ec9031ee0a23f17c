package io.dbtoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageMapTest {

  private final ImageMap images =
      ImageMap.parse(
          List.of(
              "dbt-operator:dev:=java -jar /opt/dbt-operator.jar",
              "ghcr.io/dbt-labs/*=/venv/bin/dbt",
              "ghcr.io/dbt-labs/dbt-postgres*=/venv/bin/dbt --debug",
              "*="));

  @Test
  void aContainerWithoutCommandRunsTheEntrypointOfItsImage() {
    assertThat(images.commandLine("ghcr.io/dbt-labs/dbt-core:1.10", null, List.of("build")))
        .containsExactly("/venv/bin/dbt", "build");
  }

  @Test
  void theLongestPrefixWins() {
    assertThat(images.commandLine("ghcr.io/dbt-labs/dbt-postgres:1.10", List.of(), List.of("run")))
        .containsExactly("/venv/bin/dbt", "--debug", "run");
  }

  @Test
  void aCommandRunsAsWrittenUnlessTheImageReplacesIt() {
    assertThat(
            images.commandLine(
                "ghcr.io/dbt-labs/dbt-core:1.10", List.of("sh", "-c"), List.of("ls")))
        .containsExactly("sh", "-c", "ls");
    assertThat(images.commandLine("dbt-operator:dev", List.of("/app/run"), List.of("reconcile")))
        .containsExactly("java", "-jar", "/opt/dbt-operator.jar", "reconcile");
  }

  @Test
  void theDefaultEntryWithAnEmptyEntrypointRunsTheArgs() {
    assertThat(images.commandLine("busybox", null, List.of("echo", "hi")))
        .containsExactly("echo", "hi");
  }

  @Test
  void anUnmappedImageWithoutCommandIsAClearError() {
    ImageMap none = ImageMap.builder().build();
    assertThat(none.commandLine("busybox", List.of("true"), null)).containsExactly("true");
    assertThatThrownBy(() -> none.commandLine("busybox", null, List.of("x")))
        .hasMessage("image busybox is not mapped to a local command");
    assertThatThrownBy(() -> ImageMap.parse(List.of("busybox")))
        .hasMessage("image mapping 'busybox' is not IMAGE=COMMAND or IMAGE:=COMMAND");
  }
}
