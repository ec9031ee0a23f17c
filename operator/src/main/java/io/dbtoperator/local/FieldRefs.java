package io.dbtoperator.local;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The pod fields that env {@code fieldRef} and downwardAPI volumes can name. */
final class FieldRefs {

  private static final Pattern KEYED = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)']");

  private FieldRefs() {}

  /**
   * @throws IllegalArgumentException for a field the local kubelet does not provide
   */
  static String value(Pod pod, String fieldPath) {
    Matcher keyed = KEYED.matcher(fieldPath);
    if (keyed.matches()) {
      return map(pod, keyed.group(1)).getOrDefault(keyed.group(2), "");
    }
    return switch (fieldPath) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      case "metadata.uid" -> pod.getMetadata().getUid();
      case "metadata.labels", "metadata.annotations" ->
          // the downwardAPI volume format: one key="value" per line, sorted
          new TreeMap<>(map(pod, fieldPath.substring("metadata.".length())))
              .entrySet().stream()
                  .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                  .collect(Collectors.joining("\n"));
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
      case "status.hostIP", "status.podIP" -> LocalKubelet.ADDRESS;
      default ->
          throw new IllegalArgumentException(
              "field " + fieldPath + " is not provided by the local kubelet");
    };
  }

  private static Map<String, String> map(Pod pod, String which) {
    Map<String, String> map =
        which.equals("labels") ? pod.getMetadata().getLabels() : pod.getMetadata().getAnnotations();
    return map == null ? Map.of() : map;
  }
}
