package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DbtInputsTest {

  private static DbtInputs inputs(String yml) {
    return DbtInputs.parse(yml.getBytes(StandardCharsets.UTF_8), "dbt_project.yml");
  }

  @Test
  void defaultLayoutReadsTheProjectFilesAndTheResourceDirectoriesOnly() {
    DbtInputs inputs = inputs("name: shop\nprofile: shop\n");

    assertThat(inputs.reads("models/marts/orders.sql")).isTrue();
    assertThat(inputs.reads("macros/cents.sql")).isTrue();
    assertThat(inputs.reads("seeds/raw_orders.csv")).isTrue();
    assertThat(inputs.reads("dbt_project.yml")).isTrue();
    assertThat(inputs.reads("packages.yml")).isTrue();
    assertThat(inputs.reads("dbt_packages/dbt_utils/macros/x.sql")).isTrue();

    assertThat(inputs.reads("README.md")).isFalse();
    assertThat(inputs.reads("dbt-operator.yml")).isFalse();
    assertThat(inputs.reads(".github/workflows/ci.yml")).isFalse();
    assertThat(inputs.reads("docs/overview.md")).isFalse();
    assertThat(inputs.reads("modelsx/not_a_model.sql")).isFalse();
  }

  @Test
  void customPathsDocsPathsAndInstallPathCount() {
    DbtInputs inputs =
        inputs(
            """
            name: shop
            model-paths: [transform/]
            docs-paths: ["./docs"]
            packages-install-path: vendor\\packages
            """);

    assertThat(inputs.reads("transform/orders.sql")).isTrue();
    assertThat(inputs.reads("docs/overview.md")).isTrue();
    assertThat(inputs.reads("vendor/packages/dbt_utils/dbt_project.yml")).isTrue();
    assertThat(inputs.reads("models/orders.sql")).isFalse();
  }

  @Test
  void aProjectRootPathMakesEveryFileAnInput() {
    DbtInputs inputs = inputs("name: shop\nmodel-paths: [\".\"]\n");

    assertThat(inputs.reads("README.md")).isTrue();
  }

  @Test
  void aMalformedPathsKeyNamesTheFileAndTheKey() {
    assertThatThrownBy(() -> inputs("name: shop\nmodel-paths: models\n"))
        .isInstanceOf(PlanException.class)
        .hasMessage("dbt_project.yml: model-paths must be a list of directories");
  }
}
