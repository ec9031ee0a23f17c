package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.api.DbtSchema;
import io.dbtoperator.api.DbtSchemaStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rollback request is made once although the pass may get its DbtSchema from a cache that lacks
 * the status the previous pass wrote: a second rollback would undo the first.
 */
class ManualRequestsTest {
  private static final String TOKEN = "2026-11-28T10:00:00Z";

  @Test
  void aRollbackTheFreshStatusShowsHandledIsNotMadeAgain() {
    DbtSchema stale = schema(null);
    ManualRequests requests = new ManualRequests(Map.of("marts", stale));
    assertThat(requests.rollbacks()).as("pending, as the cache has it").containsExactly("marts");

    assertThat(requests.rollbackHandledIn("marts", schema(TOKEN))).isTrue();
    assertThat(requests.rollbackHandledIn("marts", schema("2026-11-27T09:00:00Z"))).isFalse();
    assertThat(requests.rollbackHandledIn("marts", schema(null))).isFalse();
    assertThat(requests.rollbackHandledIn("marts", null)).as("deleted meanwhile").isFalse();

    requests.rolledBack("marts");
    assertThat(requests.handled("marts").rollback())
        .as("the status this pass writes keeps the token")
        .isEqualTo(TOKEN);
  }

  private static DbtSchema schema(String handledRollback) {
    DbtSchema schema = new DbtSchema();
    schema.getMetadata().setName("shop-marts");
    schema.getMetadata().setNamespace("data");
    schema.getMetadata().setAnnotations(Map.of(Labels.SCHEMA_ROLLBACK, TOKEN));
    if (handledRollback != null) {
      schema.setStatus(
          new DbtSchemaStatus(
              1L, null, "Ready", null, null, null, null, null, null, null, null, handledRollback));
    }
    return schema;
  }
}
