package io.dbtoperator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/crd-reference.md must be what the checked-in CRDs say; with -Ddbt-operator.updateCrds=true
 * it is rewritten, after crds/ (CrdDriftTest).
 */
class CrdReferenceTest {

  @Test
  void referenceMatchesTheCrds() throws IOException {
    List<CustomResourceDefinition> crds =
        CrdFiles.checkedInFileNames().stream()
            .map(name -> CrdFiles.read(CrdFiles.checkedInDir().resolve(name)))
            .map(text -> Serialization.unmarshal(text, CustomResourceDefinition.class))
            .toList();
    String rendered = CrdReference.render(crds);
    Path doc = CrdFiles.moduleDir().getParent().resolve("docs/crd-reference.md");
    if (Boolean.getBoolean(CrdFiles.UPDATE_PROPERTY)) {
      Files.writeString(doc, rendered);
    }

    assertThat(Files.exists(doc)).as("docs/crd-reference.md exists").isTrue();
    assertThat(Files.readString(doc))
        .as("docs/crd-reference.md drifted; regenerate with: %s", CrdFiles.UPDATE_COMMAND)
        .isEqualTo(rendered);
    assertThat(rendered).contains("| `spec.git.url` | string, required |", "## DbtSchema");
  }
}
