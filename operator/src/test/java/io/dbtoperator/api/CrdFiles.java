package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The generated CRDs and their checked-in copies under crds/. The checked-in copy is the generated
 * CRD with its printer columns in the order the resource class declares them (the generator sorts
 * them by jsonPath, which would put AGE first in kubectl get) and with the kind's description from
 * the class's {@code @JsonClassDescription}.
 */
final class CrdFiles {
  static final String UPDATE_PROPERTY = "dbt-operator.updateCrds";
  static final String UPDATE_COMMAND = "mvn -B -pl operator verify -D" + UPDATE_PROPERTY + "=true";

  private static final List<Class<? extends CustomResource<?, ?>>> RESOURCES =
      List.of(DbtProject.class, DbtSchema.class);

  private CrdFiles() {}

  static Path moduleDir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
  }

  static Path generatedDir() {
    return moduleDir().resolve("target/classes/META-INF/fabric8");
  }

  static Path checkedInDir() {
    return moduleDir().getParent().resolve("crds");
  }

  /** File names (e.g. dbtprojects.dbtoperator.io-v1.yml) of the CRDs the generator wrote. */
  static List<String> generatedFileNames() {
    return listYaml(generatedDir());
  }

  static List<String> checkedInFileNames() {
    return Files.isDirectory(checkedInDir()) ? listYaml(checkedInDir()) : List.of();
  }

  static CustomResourceDefinition readGenerated(String fileName) {
    return Serialization.unmarshal(
        read(generatedDir().resolve(fileName)), CustomResourceDefinition.class);
  }

  /** The text crds/ must hold for a generated CRD file. */
  static String render(String generatedFileName) {
    CustomResourceDefinition crd = readGenerated(generatedFileName);
    List<String> declaredOrder = declaredColumnOrder(crd.getMetadata().getName());
    String description = kindDescription(crd.getMetadata().getName());
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      version
          .getAdditionalPrinterColumns()
          .sort(Comparator.comparingInt(column -> declaredOrder.indexOf(column.getName())));
      // The generator leaves the kind's own description empty (fabric8 kubernetes-client #7375),
      // and kubectl explain shows that first.
      version.getSchema().getOpenAPIV3Schema().setDescription(description);
    }
    return "# Generated from the Java types in io.dbtoperator.api; do not edit.\n"
        + "# Regenerate with: "
        + UPDATE_COMMAND
        + "\n"
        + Serialization.asYaml(crd);
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<? extends CustomResource<?, ?>> resourceClass(String crdName) {
    Map<String, Class<? extends CustomResource<?, ?>>> byCrdName =
        RESOURCES.stream()
            .collect(Collectors.toMap(CustomResource::getCRDName, resource -> resource));
    Class<? extends CustomResource<?, ?>> resource = byCrdName.get(crdName);
    if (resource == null) {
      throw new IllegalStateException("no resource class for generated CRD " + crdName);
    }
    return resource;
  }

  private static String kindDescription(String crdName) {
    Class<? extends CustomResource<?, ?>> resource = resourceClass(crdName);
    JsonClassDescription description = resource.getAnnotation(JsonClassDescription.class);
    if (description == null) {
      throw new IllegalStateException(resource.getSimpleName() + " has no @JsonClassDescription");
    }
    return description.value();
  }

  private static List<String> declaredColumnOrder(String crdName) {
    Class<? extends CustomResource<?, ?>> resource = resourceClass(crdName);
    return Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name)
        .toList();
  }

  static List<String> columnNames(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
        .map(CustomResourceColumnDefinition::getName)
        .toList();
  }

  private static List<String> listYaml(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
