package io.dbtoperator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares generated text with a file under src/test/resources/golden/; run with
 * -Ddbt-operator.updateGolden=true to rewrite the files, then review the diff.
 */
public final class Golden {
  private static final Path ROOT = Path.of("src/test/resources/golden");

  private Golden() {}

  public static void assertMatches(String relativePath, String actual) throws IOException {
    Path file = ROOT.resolve(relativePath);
    if (Boolean.getBoolean("dbt-operator.updateGolden")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
    }
    assertThat(file).as("golden file; regenerate with -Ddbt-operator.updateGolden=true").exists();
    assertThat(actual).isEqualTo(Files.readString(file));
  }
}
