package io.dbtoperator.plan;

import io.dbtoperator.api.ViewChangePolicy;
import java.util.Map;

/**
 * Project-wide operator settings.
 *
 * @param refreshOverride when not null, replaces every schema's own refresh policy
 * @param defaults refresh policy of schemas that set none
 * @param schemas explicit settings by schema name (matched case-insensitively)
 */
public record OperatorConfig(
    ViewChangePolicy viewChangePolicy,
    RefreshPolicy refreshOverride,
    RefreshPolicy defaults,
    Map<String, SchemaPolicy> schemas) {

  public static final OperatorConfig EMPTY =
      new OperatorConfig(ViewChangePolicy.DeployDependents, null, RefreshPolicy.NEVER, Map.of());

  /**
   * The refresh policy in force for {@code schema}: a project-level override wins over the schema's
   * own policy, which wins over the defaults.
   */
  public RefreshPolicy effectiveRefresh(String schema) {
    if (refreshOverride != null) {
      return refreshOverride;
    }
    if (schemas != null && schema != null) {
      for (Map.Entry<String, SchemaPolicy> entry : schemas.entrySet()) {
        SchemaPolicy policy = entry.getValue();
        if (entry.getKey().equalsIgnoreCase(schema) && policy != null && policy.refresh() != null) {
          return policy.refresh();
        }
      }
    }
    return defaults == null ? RefreshPolicy.NEVER : defaults;
  }
}
