package io.dbtoperator.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The operator's heap after a full GC, from jcmd. */
record Heap(double usedMib, double committedMib) {
  private static final Pattern TOTAL =
      Pattern.compile("total (\\d+)K, used (\\d+)K", Pattern.CASE_INSENSITIVE);

  static Heap afterGc(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = TOTAL.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("jcmd GC.heap_info printed no heap total: " + info);
    }
    return new Heap(Long.parseLong(m.group(2)) / 1024.0, Long.parseLong(m.group(1)) / 1024.0);
  }

  /** The header and the first rows of jcmd's class histogram (live objects, largest first). */
  static String topClasses(long pid, int rows) throws IOException, InterruptedException {
    StringBuilder out = new StringBuilder();
    jcmd(pid, "GC.class_histogram")
        .lines()
        .filter(line -> line.matches("\\s*(num|-+|\\d+:\\s).*"))
        .limit(rows + 2L)
        .forEach(line -> out.append("  ").append(line).append('\n'));
    return out.toString();
  }

  static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException("jcmd " + command + " failed: " + out);
    }
    return out;
  }
}
