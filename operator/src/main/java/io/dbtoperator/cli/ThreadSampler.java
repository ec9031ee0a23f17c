package io.dbtoperator.cli;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the operator's reconciler threads are, from thread dumps taken while the runs launch: each
 * busy reconciler thread counts once per dump, under the first frame from the top that belongs to a
 * known library (warehouse, API, state store, git), else under the first operator class. A sampling
 * profile: it shows where the wall time goes, waits on the network included.
 */
final class ThreadSampler {
  private static final Map<String, String> LIBRARIES = new java.util.LinkedHashMap<>();

  static {
    LIBRARIES.put("org.postgresql.", "warehouse (JDBC)");
    LIBRARIES.put("io.dbtoperator.warehouse.", "warehouse (JDBC)");
    LIBRARIES.put("io.fabric8.", "Kubernetes API");
    LIBRARIES.put("okhttp3.", "Kubernetes API");
    LIBRARIES.put("jdk.internal.net.http.", "Kubernetes API");
    LIBRARIES.put("org.sqlite.", "state store (SQLite)");
    LIBRARIES.put("io.dbtoperator.state.", "state store (SQLite)");
    LIBRARIES.put("org.eclipse.jgit.", "git (JGit)");
  }

  private final long pid;
  private final Map<String, Integer> counts = new TreeMap<>();
  private int dumps;

  ThreadSampler(long pid) {
    this.pid = pid;
  }

  void sample() throws IOException, InterruptedException {
    String dump = Heap.jcmd(pid, "Thread.print");
    dumps++;
    for (String thread : dump.split("\n\n")) {
      if (!thread.contains("io.dbtoperator.reconcile.")) {
        continue;
      }
      counts.merge(classify(thread), 1, Integer::sum);
    }
  }

  static String classify(String thread) {
    for (String line : thread.split("\n")) {
      String frame = line.trim();
      if (!frame.startsWith("at ")) {
        continue;
      }
      String method = frame.substring(3);
      for (Map.Entry<String, String> library : LIBRARIES.entrySet()) {
        if (method.startsWith(library.getKey())) {
          return library.getValue();
        }
      }
      if (method.startsWith("io.dbtoperator.")) {
        String type = method.substring(0, method.indexOf('('));
        type = type.substring(0, type.lastIndexOf('.'));
        return "operator code (" + type.substring(type.lastIndexOf('.') + 1) + ")";
      }
    }
    return "other";
  }

  void print() {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf(
        Locale.ROOT,
        "reconciler_thread_samples=%d dumps=%d (busy reconciler threads per dump: %.1f)%n",
        total,
        dumps,
        dumps == 0 ? 0.0 : total / (double) dumps);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "  %-45s %5.1f%%%n",
                    e.getKey(),
                    100.0 * e.getValue() / Math.max(1, total)));
  }
}
