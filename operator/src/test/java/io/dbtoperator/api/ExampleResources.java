package io.dbtoperator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Kubernetes objects of the numbered examples (examples/NN-name/): every YAML document there
 * whose kind is one of ours or a Secret. Workflows, kustomizations and Flux or Argo CD objects are
 * for other systems and are left out.
 */
public final class ExampleResources {
  private static final Set<String> KINDS = Set.of("DbtProject", "DbtSchema", "Secret");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One document of an example file. */
  public record Document(Path file, JsonNode tree) {
    public String kind() {
      return tree.path("kind").asText();
    }

    @Override
    public String toString() {
      return examplesDir().relativize(file) + " " + kind() + " " + tree.at("/metadata/name");
    }
  }

  private ExampleResources() {}

  public static Path examplesDir() {
    return CrdFiles.moduleDir().getParent().resolve("examples");
  }

  public static List<Document> all() {
    List<Document> documents = new ArrayList<>();
    try (Stream<Path> files = Files.walk(examplesDir())) {
      for (Path file :
          files
              .filter(f -> examplesDir().relativize(f).toString().matches("[0-9]{2}-.*\\.ya?ml"))
              .sorted()
              .toList()) {
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(file.toFile())) {
          YAML.readValues(parser, JsonNode.class)
              .forEachRemaining(
                  tree -> {
                    if (KINDS.contains(tree.path("kind").asText())) {
                      documents.add(new Document(file, tree));
                    }
                  });
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }
}
