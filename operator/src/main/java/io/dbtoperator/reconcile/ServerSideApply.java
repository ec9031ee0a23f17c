package io.dbtoperator.reconcile;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Server-side apply as the operator's field manager: what it generates replaces its own earlier
 * version, and fields others set stay theirs.
 */
final class ServerSideApply {
  private ServerSideApply() {}

  static PatchContext context() {
    return new PatchContext.Builder()
        .withPatchType(PatchType.SERVER_SIDE_APPLY)
        .withFieldManager(Labels.OPERATOR)
        .withForce(true)
        .build();
  }
}
