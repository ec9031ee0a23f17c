package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class VarUseTest {
  @Test
  void findsLiteralNamesWithAndWithoutDefaults() {
    VarUse use =
        VarUse.in(
            "select {{ var('start_date') }}, {{ var( \"end_date\" , '2020-01-01') }}"
                + " where x = {{var('limit')}}");

    assertThat(use).isEqualTo(new VarUse(Set.of("start_date", "end_date", "limit"), false));
  }

  @Test
  void aNameBuiltAtRunTimeIsDynamic() {
    assertThat(VarUse.in("{{ var('region_' ~ target.name) }}"))
        .isEqualTo(new VarUse(Set.of(), true));
    assertThat(VarUse.in("{{ var(name) }}")).isEqualTo(new VarUse(Set.of(), true));
  }

  @Test
  void envVarAndOtherWordsEndingInVarAreNotVars() {
    assertThat(VarUse.in("{{ env_var('DBT_USER') }} as invar, my_var(1)")).isEqualTo(VarUse.NONE);
  }
}
