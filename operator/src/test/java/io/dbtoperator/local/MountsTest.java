package io.dbtoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsTest {

  private final PodVolumes.Mounts mounts =
      new PodVolumes.Mounts(
          List.of(
              new PodVolumes.Mount("/work/project", Path.of("/tmp/pod/project")),
              new PodVolumes.Mount("/work", Path.of("/tmp/pod/work"))));

  @Test
  void pathsUnderAMountNameItsLocalDirectory() {
    assertThat(mounts.translate("/work")).isEqualTo("/tmp/pod/work");
    assertThat(mounts.translate("/work/target/run.json"))
        .isEqualTo("/tmp/pod/work/target/run.json");
    assertThat(mounts.translate("/work/project/models")).isEqualTo("/tmp/pod/project/models");
  }

  @Test
  void optionValuesAreTranslatedToo() {
    assertThat(mounts.translate("--project-dir=/work/project"))
        .isEqualTo("--project-dir=/tmp/pod/project");
  }

  @Test
  void otherValuesStayAsTheyAre() {
    assertThat(mounts.translate("/workshop")).isEqualTo("/workshop");
    assertThat(mounts.translate("cat /work/x")).isEqualTo("cat /work/x");
    assertThat(mounts.translate("KEY=/work")).isEqualTo("KEY=/work");
  }
}
