package io.dbtoperator.warehouse;

/**
 * The difference between the grants a schema had and the grants it should have.
 *
 * @param granted privileges that were missing and have been (or must be) granted
 * @param revoked privileges that were not desired and have been (or must be) revoked
 */
public record GrantDrift(SchemaGrants granted, SchemaGrants revoked) {

  public boolean isEmpty() {
    return granted.isEmpty() && revoked.isEmpty();
  }

  /** One line for run messages, e.g. "granted ANALYST: SELECT; revoked OLD_ROLE: SELECT". */
  public String describe() {
    if (isEmpty()) {
      return "grants as desired";
    }
    StringBuilder text = new StringBuilder();
    append(text, "granted", granted);
    append(text, "revoked", revoked);
    return text.toString();
  }

  private static void append(StringBuilder text, String verb, SchemaGrants grants) {
    if (grants.isEmpty()) {
      return;
    }
    if (text.length() > 0) {
      text.append("; ");
    }
    text.append(verb).append(' ');
    StringBuilder roles = new StringBuilder();
    grants
        .privilegesByRole()
        .forEach(
            (role, privileges) -> {
              if (roles.length() > 0) {
                roles.append(", ");
              }
              roles.append(role).append(": ").append(String.join(" ", privileges));
            });
    text.append(roles);
  }
}
