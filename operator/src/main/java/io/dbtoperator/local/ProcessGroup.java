package io.dbtoperator.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A container's process, started in a session of its own so that its whole process group (the shell
 * and everything it started) can be signalled, as a container runtime kills a container's cgroup.
 * Java can only signal single processes, hence {@code setsid} and {@code kill -- -PGID}.
 */
final class ProcessGroup {

  private static final String SETSID = systemTool("setsid");
  private static final String KILL = systemTool("kill");
  private static final Duration GROUP_EXIT_TIMEOUT = Duration.ofSeconds(5);

  private final Process process;

  private ProcessGroup(Process process) {
    this.process = process;
  }

  /**
   * Starts {@code argv} with exactly {@code env}, appending its stdout and stderr to {@code log}.
   *
   * @throws IOException when the executable cannot be found or started
   */
  static ProcessGroup start(List<String> argv, Map<String, String> env, Path workDir, Path log)
      throws IOException {
    String executable = resolve(argv.get(0), env.get("PATH"));
    List<String> line = new ArrayList<>();
    line.add(SETSID);
    line.add(executable);
    line.addAll(argv.subList(1, argv.size()));
    ProcessBuilder builder =
        new ProcessBuilder(line)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    return new ProcessGroup(builder.start());
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for the process and then for the rest of its group: as when a container's first process
   * exits, what it left running is killed. Returns the exit code, 128 + N for a process ended by
   * signal N, as container runtimes report it.
   */
  int waitFor() throws InterruptedException {
    int code = process.waitFor();
    signal("KILL");
    long deadline = System.nanoTime() + GROUP_EXIT_TIMEOUT.toNanos();
    while (signal("0") && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return code;
  }

  /**
   * SIGTERM to the group, then SIGKILL to what is left after {@code grace}, as a runtime stops a
   * container.
   */
  void stop(Duration grace) throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    signal("TERM");
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      signal("KILL");
      process.waitFor(5, TimeUnit.SECONDS);
    }
    // the leader may have exited on TERM while children that ignore it linger
    signal("KILL");
  }

  /** Whether the signal reached a process of the group: false once the group is gone. */
  private boolean signal(String name) throws InterruptedException {
    try {
      return new ProcessBuilder(KILL, "-" + name, "--", "-" + process.pid())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor()
          == 0;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + KILL + ": " + e.getMessage(), e);
    }
  }

  private static String resolve(String program, String path) throws IOException {
    if (program.contains("/")) {
      if (!Files.isExecutable(Path.of(program))) {
        throw new IOException(program + ": no such executable file");
      }
      return program;
    }
    for (String dir : (path == null ? "" : path).split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IOException(program + ": executable file not found in $PATH");
  }

  private static String systemTool(String name) {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, name))) {
        return dir + "/" + name;
      }
    }
    // resolved lazily at start, with a clear error if it is really missing
    return name;
  }
}
