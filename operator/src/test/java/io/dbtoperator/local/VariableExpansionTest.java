package io.dbtoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VariableExpansionTest {

  private final Map<String, String> env = Map.of("A", "alpha", "B", "");

  @Test
  void expandsDefinedReferencesAndKeepsTheOthers() {
    assertThat(VariableExpansion.expand("$(A)/$(B)/$(C)", env)).isEqualTo("alpha//$(C)");
  }

  @Test
  void aDoubleDollarIsALiteralDollar() {
    assertThat(VariableExpansion.expand("$$(A) $$ $x $(A", env)).isEqualTo("$(A) $ $x $(A");
  }
}
