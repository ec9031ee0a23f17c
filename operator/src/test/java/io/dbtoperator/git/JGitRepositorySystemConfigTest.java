package io.dbtoperator.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.util.FS;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void gitIsNotAskedWhereItsSystemConfigIs(@TempDir Path dir) throws Exception {
    // Loading JGitRepository sets the location before any repository is opened: JGit only runs
    // git to discover a location that is unset.
    File expected = JGitRepository.systemConfig(System.getenv());
    Git.init().setDirectory(dir.toFile()).call().close();

    try (JGitRepository repository = JGitRepository.open(dir)) {
      assertThat(FS.DETECTED.getGitSystemConfig()).isEqualTo(expected);
    }
  }
}
