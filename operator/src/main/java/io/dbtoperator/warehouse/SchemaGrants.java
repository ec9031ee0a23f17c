package io.dbtoperator.warehouse;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Privileges by role on a schema's relations. Role names are upper-cased (Snowflake folds them so,
 * and Postgres folds them to lowercase, so implementations compare case-insensitively); privilege
 * names are upper-cased.
 */
public record SchemaGrants(SortedMap<String, SortedSet<String>> privilegesByRole) {

  public SchemaGrants {
    SortedMap<String, SortedSet<String>> copy = new TreeMap<>();
    privilegesByRole.forEach(
        (role, privileges) -> {
          if (!privileges.isEmpty()) {
            copy.put(role.toUpperCase(Locale.ROOT), upper(privileges));
          }
        });
    privilegesByRole = Collections.unmodifiableSortedMap(copy);
  }

  public static SchemaGrants none() {
    return new SchemaGrants(new TreeMap<>());
  }

  /** From the {@code grants} setting of a schema: role to privilege list; null means none. */
  public static SchemaGrants of(Map<String, List<String>> grants) {
    SortedMap<String, SortedSet<String>> byRole = new TreeMap<>();
    if (grants != null) {
      grants.forEach((role, privileges) -> byRole.put(role, new TreeSet<>(privileges)));
    }
    return new SchemaGrants(byRole);
  }

  /** What must be granted and revoked to go from these grants to {@code desired}. */
  public GrantDrift driftTo(SchemaGrants desired) {
    SortedMap<String, SortedSet<String>> missing = difference(desired, this);
    SortedMap<String, SortedSet<String>> extra = difference(this, desired);
    return new GrantDrift(new SchemaGrants(missing), new SchemaGrants(extra));
  }

  public boolean isEmpty() {
    return privilegesByRole.isEmpty();
  }

  private static SortedMap<String, SortedSet<String>> difference(SchemaGrants a, SchemaGrants b) {
    SortedMap<String, SortedSet<String>> result = new TreeMap<>();
    a.privilegesByRole.forEach(
        (role, privileges) -> {
          SortedSet<String> left = new TreeSet<>(privileges);
          left.removeAll(b.privilegesByRole.getOrDefault(role, Collections.emptySortedSet()));
          if (!left.isEmpty()) {
            result.put(role, left);
          }
        });
    return result;
  }

  private static SortedSet<String> upper(Set<String> privileges) {
    SortedSet<String> result = new TreeSet<>();
    privileges.forEach(p -> result.add(p.toUpperCase(Locale.ROOT)));
    return Collections.unmodifiableSortedSet(result);
  }
}
