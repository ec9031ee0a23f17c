package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The containers of one pod as the local kubelet tracks them: the init containers in their order
 * (native sidecars, those with restartPolicy Always, among them), then the main containers.
 */
final class PodContainers {
  private final List<ContainerTrack> init = new ArrayList<>();
  private final List<ContainerTrack> main = new ArrayList<>();
  private final List<ContainerTrack> sidecars = new ArrayList<>();
  private final Map<ContainerTrack, Container> specs = new HashMap<>();

  /** Tracks every container of {@code pod}, each logging to {@code <name>.log} in {@code logs}. */
  PodContainers(Pod pod, Path logs) {
    for (Container c : list(pod.getSpec().getInitContainers())) {
      ContainerTrack track = track(c, logs, "PodInitializing");
      init.add(track);
      if ("Always".equals(c.getRestartPolicy())) {
        sidecars.add(track);
      }
    }
    for (Container c : list(pod.getSpec().getContainers())) {
      main.add(track(c, logs, init.isEmpty() ? "ContainerCreating" : "PodInitializing"));
    }
  }

  private ContainerTrack track(Container spec, Path logs, String waiting) {
    ContainerTrack track = new ContainerTrack(spec, logs.resolve(spec.getName() + ".log"), waiting);
    specs.put(track, spec);
    return track;
  }

  List<ContainerTrack> init() {
    return init;
  }

  List<ContainerTrack> main() {
    return main;
  }

  /** The native sidecars, in the order they start. */
  List<ContainerTrack> sidecars() {
    return sidecars;
  }

  boolean isSidecar(ContainerTrack track) {
    return sidecars.contains(track);
  }

  /** Every container, init containers first. */
  List<ContainerTrack> all() {
    List<ContainerTrack> all = new ArrayList<>(init);
    all.addAll(main);
    return all;
  }

  Optional<ContainerTrack> named(String name) {
    return all().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  Container spec(ContainerTrack track) {
    return specs.get(track);
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }
}
