package io.dbtoperator.plan;

import io.dbtoperator.api.ViewChangePolicy;
import java.util.List;
import java.util.Map;

/**
 * Project-wide operator settings.
 *
 * @param refreshOverride when not null, replaces every schema's own refresh policy
 * @param defaults refresh policy of schemas that set none
 * @param schemas explicit settings by schema name (matched case-insensitively)
 * @param defaultGrants grants of schemas that set none
 */
public record OperatorConfig(
    ViewChangePolicy viewChangePolicy,
    RefreshPolicy refreshOverride,
    RefreshPolicy defaults,
    Map<String, SchemaPolicy> schemas,
    Map<String, List<String>> defaultGrants) {

  public static final OperatorConfig EMPTY =
      new OperatorConfig(ViewChangePolicy.DeployDependents, null, RefreshPolicy.NEVER, Map.of());

  /**
   * The refresh policy in force for {@code schema}: a project-level override wins over the schema's
   * own policy, which wins over the defaults.
   */
  public RefreshPolicy effectiveRefresh(String schema) {
    RefreshPolicy refresh = effectivePolicy(schema).refresh();
    return refresh == null ? RefreshPolicy.NEVER : refresh;
  }

  public OperatorConfig(
      ViewChangePolicy viewChangePolicy,
      RefreshPolicy refreshOverride,
      RefreshPolicy defaults,
      Map<String, SchemaPolicy> schemas) {
    this(viewChangePolicy, refreshOverride, defaults, schemas, Map.of());
  }

  /** The explicit settings of a schema, matched case-insensitively; null when it has none. */
  public SchemaPolicy explicitPolicy(String schema) {
    SchemaPolicy exact = schemas.get(schema);
    if (exact != null) {
      return exact;
    }
    return schemas.entrySet().stream()
        .filter(entry -> entry.getKey().equalsIgnoreCase(schema))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }

  /**
   * The settings that apply to a schema: its explicit settings with refreshOverride, defaults and
   * defaultGrants filled in. Kind and dependsOn stay null (derived from the manifest) unless set.
   */
  public SchemaPolicy effectivePolicy(String schema) {
    SchemaPolicy explicit = explicitPolicy(schema);
    if (explicit == null) {
      explicit = new SchemaPolicy(schema, null, null, null, null, false);
    }
    RefreshPolicy refresh =
        refreshOverride != null
            ? refreshOverride
            : explicit.refresh() != null ? explicit.refresh() : defaults;
    Map<String, List<String>> grants =
        explicit.grants() != null ? explicit.grants() : defaultGrants;
    return new SchemaPolicy(
        explicit.schema(),
        explicit.kind(),
        refresh,
        grants,
        explicit.dependsOn(),
        explicit.suspend());
  }
}
