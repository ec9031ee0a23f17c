package io.dbtoperator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, as a fresh machine runs it: scripts/demo.sh on fabric8's mock API
 * server (the real one is what the operator's other ITs use). It must deploy, follow a commit,
 * handle a tick and a manual refresh, and end without error.
 */
class DemoIT {
  @TempDir Path temp;

  @Test
  void theDemoDeploysFollowsACommitAndHandlesATickOnTheMockApiServer() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.exists(root.resolve("scripts/demo.sh"))) {
      root = root.getParent();
    }
    assertThat(root).as("repository root holding scripts/demo.sh").isNotNull();
    File output = temp.resolve("demo.log").toFile();
    ProcessBuilder demo =
        new ProcessBuilder("bash", root.resolve("scripts/demo.sh").toString())
            .redirectErrorStream(true)
            .redirectOutput(output);
    demo.environment().put("DEMO_API_SERVER", "mock");
    // The verify run has just packaged the jar; the demo must not rebuild it under Maven's feet.
    demo.environment().put("SKIP_BUILD", "1");
    demo.environment().put("TMPDIR", temp.toString());
    Process process = demo.start();
    boolean ended = process.waitFor(12, TimeUnit.MINUTES);
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    }
    String log = Files.readString(output.toPath());

    assertThat(ended).as("demo ended within 12 minutes; its output:%n%s", log).isTrue();
    assertThat(process.exitValue()).as("demo exit code; its output:%n%s", log).isZero();
    assertThat(log)
        .contains("API server: fabric8's mock API server")
        .contains("==> first deploy done")
        .containsPattern("raw\\tnoop\\t")
        .containsPattern("marts\\tdeploy\\t.*model.shop.orders changed")
        .containsPattern("reporting\\tdeploy\\t")
        .contains("==> second deploy done")
        .containsPattern("tick \\S+ handled")
        .containsPattern("Normal {2}Swapped {2}marts: live");
  }
}
