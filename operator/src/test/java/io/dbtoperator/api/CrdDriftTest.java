package io.dbtoperator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * crds/ must hold exactly what the CRD generator produces from the Java types, so that the CRDs
 * users install never lag behind the code. With -Ddbt-operator.updateCrds=true it rewrites crds/
 * instead.
 */
class CrdDriftTest {

  @Test
  void checkedInCrdsMatchTheGeneratedOnes() throws IOException {
    List<String> generated = CrdFiles.generatedFileNames();
    assertThat(generated)
        .containsExactly("dbtprojects.dbtoperator.io-v1.yml", "dbtschemas.dbtoperator.io-v1.yml");

    if (Boolean.getBoolean(CrdFiles.UPDATE_PROPERTY)) {
      update(generated);
    }

    List<String> problems = new ArrayList<>();
    for (String name : generated) {
      Path checkedIn = CrdFiles.checkedInDir().resolve(name);
      if (!Files.exists(checkedIn)) {
        problems.add("crds/" + name + " is missing");
      } else if (!CrdFiles.read(checkedIn).equals(CrdFiles.render(name))) {
        problems.add("crds/" + name + " differs from the CRD generated from the Java types");
      }
    }
    for (String name : CrdFiles.checkedInFileNames()) {
      if (!generated.contains(name)) {
        problems.add("crds/" + name + " is no longer generated");
      }
    }
    assertThat(problems)
        .as("CRDs drifted; regenerate crds/ with: %s", CrdFiles.UPDATE_COMMAND)
        .isEmpty();
  }

  private static void update(List<String> generated) throws IOException {
    Files.createDirectories(CrdFiles.checkedInDir());
    for (String name : CrdFiles.checkedInFileNames()) {
      if (!generated.contains(name)) {
        Files.delete(CrdFiles.checkedInDir().resolve(name));
      }
    }
    for (String name : generated) {
      Files.writeString(CrdFiles.checkedInDir().resolve(name), CrdFiles.render(name));
    }
  }
}
