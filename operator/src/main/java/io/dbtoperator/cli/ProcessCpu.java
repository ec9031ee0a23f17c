package io.dbtoperator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU seconds that named processes have used, from /proc/PID/stat: the benchmark reads them at the
 * tick and at the end of the launch, to say which process the 2 cores went to.
 */
final class ProcessCpu {
  // USER_HZ: the unit of utime and stime in /proc/PID/stat, 100 on every Linux build in use.
  private static final double TICKS_PER_SECOND = 100.0;

  private final Map<String, Long> pids;

  ProcessCpu(Map<String, Long> pids) {
    this.pids = pids;
  }

  /** Names and pids from "name=pid,name=pid" (the bench script's BENCH_CPU_PIDS). */
  static ProcessCpu parse(String spec, long operatorPid) {
    Map<String, Long> pids = new LinkedHashMap<>();
    pids.put("operator", operatorPid);
    if (spec != null && !spec.isBlank()) {
      for (String pair : spec.split(",")) {
        String[] nameAndPid = pair.split("=", 2);
        pids.put(nameAndPid[0].trim(), Long.parseLong(nameAndPid[1].trim()));
      }
    }
    return new ProcessCpu(pids);
  }

  /** Busy CPU seconds of all cores since boot: user, nice, system, irq, softirq and steal. */
  private static double machineBusySeconds() throws IOException {
    String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long ticks = 0;
    for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
      ticks += Long.parseLong(fields[field]);
    }
    return ticks / TICKS_PER_SECOND;
  }

  /** CPU seconds used so far, per name, and by the whole machine under "machine". */
  Map<String, Double> read() throws IOException {
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (Map.Entry<String, Long> each : pids.entrySet()) {
      String stat = Files.readString(Path.of("/proc", each.getValue().toString(), "stat"));
      // The command name in parentheses may hold spaces: the fields are counted after it.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      seconds.put(each.getKey(), ticks / TICKS_PER_SECOND);
    }
    seconds.put("machine", machineBusySeconds());
    return seconds;
  }
}
