package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A killed CLI leaves its dbt child running; the restarted run repeats the step, and the two must
 * not overlap. The executor keeps the running dbt's id and start time, and stops a left-over one
 * before starting the next.
 */
class LocalDbtExecutorIT {
  @TempDir Path temp;

  static Process leftRunning() throws IOException {
    return new ProcessBuilder("sleep", "600").start();
  }

  @Test
  void aProcessLeftRunningByAKilledRunIsStoppedBeforeDbtStarts() throws Exception {
    Process orphan = leftRunning();
    Path pidFile = temp.resolve("work/dbt.pid");
    Files.createDirectories(pidFile.getParent());
    Files.writeString(
        pidFile, orphan.pid() + " " + orphan.info().startInstant().orElseThrow() + "\n");
    List<String> output = new ArrayList<>();

    int exit =
        new LocalDbtExecutor(PostgresHarness.dbt(), pidFile)
            .run(new DbtCommand(List.of("--version"), Map.of(), temp), output::add);

    assertThat(orphan.isAlive()).as("the left-over process was stopped").isFalse();
    assertThat(exit).as(String.join("\n", output)).isZero();
    assertThat(pidFile).as("no dbt runs any more").doesNotExist();
  }

  @Test
  void aReusedProcessIdIsNotTakenForDbt() throws Exception {
    Process unrelated = leftRunning();
    try {
      Path pidFile = temp.resolve("dbt.pid");
      Files.writeString(pidFile, unrelated.pid() + " 2000-01-01T00:00:00Z\n");

      int exit =
          new LocalDbtExecutor(PostgresHarness.dbt(), pidFile)
              .run(new DbtCommand(List.of("--version"), Map.of(), temp), line -> {});

      assertThat(exit).isZero();
      assertThat(unrelated.isAlive())
          .as("a process started at another time is left alone")
          .isTrue();
    } finally {
      unrelated.destroy();
    }
  }

  /** dbt stops before its JSON logging starts: only its last lines say why. */
  @Test
  void aFailureCarriesDbtsOwnMessage() {
    DbtProgress progress = new DbtProgress();

    int exit =
        new LocalDbtExecutor(PostgresHarness.dbt())
            .run(
                new DbtCommand(
                    List.of("--log-format", "json", "parse", "--project-dir", "nosuch"),
                    Map.of(),
                    temp),
                progress::accept);

    assertThat(exit).isNotZero();
    assertThat(progress.describeFailure())
        .contains("Invalid value for '--project-dir': Path 'nosuch' does not exist")
        .doesNotContain("\n");
  }
}
