package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.api.DbtSchemaSpec;
import io.dbtoperator.plan.Action;
import io.dbtoperator.plan.PlanStep;
import io.dbtoperator.run.SchemaOutcome;
import io.dbtoperator.run.StartPolicy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuspendedSchemasTest {
  private static DbtSchema schema(String name, boolean suspend) {
    DbtSchema resource = new DbtSchema();
    resource.setSpec(new DbtSchemaSpec("shop", name, null, null, null, null, suspend));
    return resource;
  }

  private static PlanStep deploy(String schema) {
    return new PlanStep(
        schema, Action.DEPLOY, List.of("changed"), List.of(), List.of(), null, null, false);
  }

  @Test
  void aSuspendedSchemaStartsNoRunAndItsDependentsWait() {
    SuspendedSchemas suspended =
        new SuspendedSchemas(List.of(schema("marts", true), schema("staging", false)));
    StartPolicy policy = suspended.around(StartPolicy.ALWAYS);

    Optional<SchemaOutcome> held = policy.hold(deploy("MARTS"));
    assertThat(held).isPresent();
    assertThat(held.get().result()).isEqualTo(SchemaOutcome.Result.WAITING);
    assertThat(held.get().result().blocksDependents()).isTrue();
    assertThat(held.get().message()).isEqualTo("spec.suspend is true: no new runs");
    assertThat(suspended.contains("marts")).isTrue();
  }

  @Test
  void otherSchemasAreLeftToThePolicyAround() {
    SchemaOutcome backoff =
        new SchemaOutcome(
            "staging",
            Action.DEPLOY,
            false,
            SchemaOutcome.Result.FAILED,
            "r1",
            io.dbtoperator.state.RunCounts.NONE,
            "failed 1x");
    StartPolicy policy =
        new SuspendedSchemas(List.of(schema("marts", true), schema("staging", false)))
            .around(step -> Optional.of(backoff));

    assertThat(policy.hold(deploy("staging"))).contains(backoff);
    assertThat(new SuspendedSchemas(List.of()).around(StartPolicy.ALWAYS).hold(deploy("x")))
        .isEmpty();
  }
}
