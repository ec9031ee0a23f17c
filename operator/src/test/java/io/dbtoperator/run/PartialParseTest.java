package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PartialParseTest {
  private static final String PROFILE = "shop:\n  target: dbt_operator\n";

  private static byte[] project(String vars) {
    return ("name: shop\nprofile: shop\n" + vars).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theKeyChangesWithTheDbtVersionTheProfileAndTheVarsOnly() {
    String key = PartialParse.key("1.10.15", PROFILE, project("vars:\n  a: 1\n  b: [x]\n"));

    assertThat(PartialParse.key("1.10.15", PROFILE, project("vars:\n  b: [x]\n  a: 1\n")))
        .as("the same vars in another order")
        .isEqualTo(key);
    assertThat(
            PartialParse.key(
                "1.10.15", PROFILE, project("vars:\n  a: 1\n  b: [x]\nmodel-paths: [m]\n")))
        .as("other settings are dbt's to check")
        .isEqualTo(key);
    assertThat(PartialParse.key("1.10.15", PROFILE, project("vars:\n  a: 2\n  b: [x]\n")))
        .isNotEqualTo(key);
    assertThat(PartialParse.key("1.10.16", PROFILE, project("vars:\n  a: 1\n  b: [x]\n")))
        .isNotEqualTo(key);
    assertThat(
            PartialParse.key(
                "1.10.15", PROFILE + "  threads: 4\n", project("vars:\n  a: 1\n  b: [x]\n")))
        .isNotEqualTo(key);
    assertThat(key).matches("[0-9a-f]{40}");
  }

  @Test
  void aProjectWithoutVarsHasEmptyVars() {
    assertThat(DbtProjectFile.vars(project(""))).isEqualTo("{}");
    assertThat(DbtProjectFile.vars(project("vars:\n  z: 1\n  a: {y: 2, b: 3}\n")))
        .isEqualTo("{\"a\":{\"b\":3,\"y\":2},\"z\":1}");
  }
}
