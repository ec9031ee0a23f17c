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
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Measures warm plan times inside one JVM, as bench/plan.sh needs them: the same work as
 * `dbt-operator plan` (both manifests read in parallel, then the plan), repeated.
 *
 * <p>Arguments: repo from to from-manifest to-manifest config-or-"-" iterations.
 */
public final class PlanBenchmark {
  private PlanBenchmark() {}

  public static void main(String[] args) {
    Path repo = Path.of(args[0]);
    Path fromManifest = Path.of(args[3]);
    Path toManifest = Path.of(args[4]);
    OperatorConfig config = args[5].equals("-") ? null : PlanCommand.readConfig(Path.of(args[5]));
    int iterations = Integer.parseInt(args[6]);
    double best = Double.MAX_VALUE;
    double total = 0;
    int steps = 0;
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      CompletableFuture<Manifest> from =
          CompletableFuture.supplyAsync(() -> ManifestReader.read(fromManifest));
      Manifest to = ManifestReader.read(toManifest);
      try (JGitRepository repository = JGitRepository.open(repo)) {
        Plan plan =
            new ProjectPlanner(repository, "").plan(args[1], args[2], from.join(), to, config);
        steps = plan.steps().size();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      best = Math.min(best, seconds);
      total += seconds;
    }
    long peakHeap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peakHeap += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "warm_best_s=%.3f warm_mean_s=%.3f iterations=%d steps=%d peak_heap_mib=%.0f%n",
        best,
        total / iterations,
        iterations,
        steps,
        peakHeap / 1048576.0);
  }
}
