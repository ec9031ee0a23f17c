package io.dbtoperator.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JGitRepositorySystemConfigTest {
  @Test
  void gitSystemConfigIsTheEnvironmentsFileWhenSet() {
    assertThat(JGitRepository.systemConfig(Map.of("GIT_CONFIG_SYSTEM", "/opt/git/gitconfig")))
        .isEqualTo(new File("/opt/git/gitconfig"));
  }

  @Test
  void gitSystemConfigIsEtcGitconfigOtherwise() {
    assertThat(JGitRepository.systemConfig(Map.of())).isEqualTo(new File("/etc/gitconfig"));
    assertThat(JGitRepository.systemConfig(Map.of("GIT_CONFIG_SYSTEM", "")))
        .isEqualTo(new File("/etc/gitconfig"));
  }
}
