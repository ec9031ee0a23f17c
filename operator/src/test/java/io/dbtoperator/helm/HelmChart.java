package io.dbtoperator.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.dbtoperator.local.KubeControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart under helm/dbt-operator, rendered with Helm's own library (helm-java), so that the
 * tests see exactly what {@code helm install} would apply.
 */
public final class HelmChart {
  public static final String RELEASE = "dbt-operator";

  /**
   * The Kubernetes version rendered for: the one the ITs' control plane runs. helm-java otherwise
   * renders for 1.20, which the chart's kubeVersion (native sidecars need 1.29) rejects.
   */
  static final String KUBE_VERSION = "v1.34.4";

  private HelmChart() {}

  public static Path dir() {
    return KubeControlPlane.repositoryRoot().resolve("helm/dbt-operator");
  }

  /** The example values files (ci/, the chart-testing convention), by file name. */
  public static List<Path> exampleValues() {
    try (Stream<Path> files = Files.list(dir().resolve("ci"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The objects of {@code helm template}, without the CRDs.
   *
   * @param values a values file, or null for the defaults
   * @param set more values, as --set would give them
   */
  public static List<HasMetadata> render(
      String release, String namespace, Path values, Map<String, Object> set) {
    TemplateCommand template =
        new Helm(dir())
            .template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION)
            .skipCrds();
    if (values != null) {
      template = template.withValuesFile(values);
    }
    for (Map.Entry<String, Object> entry : set.entrySet()) {
      template = template.set(entry.getKey(), entry.getValue());
    }
    return parse(template.call());
  }

  public static List<HasMetadata> render(Path values) {
    return render(RELEASE, "dbt-operator", values, Map.of());
  }

  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.lines().anyMatch(line -> !line.isBlank() && !line.startsWith("#"))) {
        objects.add(Serialization.unmarshal(document, HasMetadata.class));
      }
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  public static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<HasMetadata> found = objects.stream().filter(type::isInstance).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", got " + found.size());
    }
    return (T) found.get(0);
  }
}
