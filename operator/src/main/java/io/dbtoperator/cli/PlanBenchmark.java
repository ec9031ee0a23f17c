package io.dbtoperator.cli;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestReader;
import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.plan.Plan;
import io.dbtoperator.plan.ProjectPlanner;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Measures warm plan times inside one JVM, as the benchmarks need them: the same work as a plan in
 * the operator's process (both manifests read, in parallel, then the plan), repeated.
 *
 * <p>Arguments: repo from to from-manifest to-manifest config-or-"-" iterations [warm-up]. The
 * first warm-up iterations (default 0) are run and not counted: a long-running operator has its
 * planner compiled by the time a commit arrives.
 */
public final class PlanBenchmark {
  private PlanBenchmark() {}

  public static void main(String[] args) {
    Path repo = Path.of(args[0]);
    Path fromManifest = Path.of(args[3]);
    Path toManifest = Path.of(args[4]);
    OperatorConfig config = args[5].equals("-") ? null : PlanCommand.readConfig(Path.of(args[5]));
    int iterations = Integer.parseInt(args[6]);
    int warmUp = args.length > 7 ? Integer.parseInt(args[7]) : 0;
    double[] seconds = new double[iterations];
    // CPU of the whole process (GC and JIT threads too): less swayed than the wall time by other
    // work on a shared machine.
    double[] cpuSeconds = new double[iterations];
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    int steps = 0;
    for (int i = -warmUp; i < iterations; i++) {
      long start = System.nanoTime();
      long cpuStart = os.getProcessCpuTime();
      CompletableFuture<Manifest> from =
          CompletableFuture.supplyAsync(() -> ManifestReader.read(fromManifest));
      Manifest to = ManifestReader.read(toManifest);
      try (JGitRepository repository = JGitRepository.open(repo)) {
        Plan plan =
            new ProjectPlanner(repository, "").plan(args[1], args[2], from.join(), to, config);
        steps = plan.steps().size();
      }
      if (i >= 0) {
        seconds[i] = (System.nanoTime() - start) / 1e9;
        cpuSeconds[i] = (os.getProcessCpuTime() - cpuStart) / 1e9;
      }
    }
    long peakHeap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peakHeap += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "warm_best_s=%.3f warm_median_s=%.3f warm_mean_s=%.3f warm_cpu_median_s=%.3f"
            + " iterations=%d warm_up=%d steps=%d peak_heap_mib=%.0f%n",
        Arrays.stream(seconds).min().orElse(0),
        median(seconds),
        Arrays.stream(seconds).sum() / iterations,
        median(cpuSeconds),
        iterations,
        warmUp,
        steps,
        peakHeap / 1048576.0);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
