package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the macro file written into the checkout against golden files in
 * src/test/resources/golden/staging-redirect/. Regenerate them with
 * -Ddbt-operator.updateGolden=true and review the diff.
 */
class StagingRedirectTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/staging-redirect");
  private static final Map<String, String> MARTS =
      Map.of("MARTS", "marts__dbtop_20261123080000_3f2a9c41_d");

  @Test
  void postgresWrapsTheProjectsSchemaMacroOnly() throws IOException {
    assertGolden(
        "postgres.sql", StagingRedirect.render(StagingRedirect.PROJECT_SCHEMA_MACRO, null, MARTS));
  }

  @Test
  void snowflakeAlsoRendersSameSchemaViewReferencesWithoutSchema() throws IOException {
    assertGolden(
        "snowflake.sql", StagingRedirect.render("dbt.generate_schema_name", "builtins.ref", MARTS));
  }

  @Test
  void quotesInSchemaNamesCannotBreakOutOfTheLiteral() {
    assertThat(StagingRedirect.render("dbt.generate_schema_name", null, Map.of("a'b", "c\\d")))
        .contains("{'a\\'b': 'c\\\\d'}.get(live | lower, live)");
  }

  private static void assertGolden(String name, String actual) throws IOException {
    Path file = GOLDEN.resolve(name);
    if (Boolean.getBoolean("dbt-operator.updateGolden")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, actual);
    }
    assertThat(file).as("golden file; regenerate with -Ddbt-operator.updateGolden=true").exists();
    assertThat(actual).isEqualTo(Files.readString(file));
  }
}
