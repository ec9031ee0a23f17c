package io.dbtoperator.plan;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The vars a node, macro or hook reads by name in its code. dbt renders var() at run time and keeps
 * the raw code in the manifest, so a changed value shows in no checksum: this is how a vars change
 * in dbt_project.yml is attributed.
 *
 * @param names literal names, as in {@code var('start_date')}
 * @param dynamic whether some call builds its name at run time, as in {@code var(prefix ~ 'x')}
 */
record VarUse(Set<String> names, boolean dynamic) {
  static final VarUse NONE = new VarUse(Set.of(), false);

  // `\b` keeps env_var( out: `_` is a word character, so there is no boundary before `var`.
  private static final Pattern CALL = Pattern.compile("\\bvar\\s*\\(\\s*");
  private static final Pattern LITERAL =
      Pattern.compile("(?:'([^'\\\\]*)'|\"([^\"\\\\]*)\")\\s*[,)]");

  VarUse {
    names = Set.copyOf(names);
  }

  /** Scans code (SQL, or a config value such as a post-hook) for var() calls. */
  static VarUse in(String code) {
    if (code == null || !code.contains("var")) {
      return NONE;
    }
    Set<String> names = new TreeSet<>();
    boolean dynamic = false;
    Matcher call = CALL.matcher(code);
    while (call.find()) {
      Matcher literal = LITERAL.matcher(code).region(call.end(), code.length());
      if (literal.lookingAt()) {
        names.add(literal.group(1) != null ? literal.group(1) : literal.group(2));
      } else {
        dynamic = true;
      }
    }
    return names.isEmpty() && !dynamic ? NONE : new VarUse(names, dynamic);
  }

  VarUse and(VarUse other) {
    if (other == NONE || other.equals(this)) {
      return this;
    }
    if (this == NONE) {
      return other;
    }
    Set<String> both = new TreeSet<>(names);
    both.addAll(other.names);
    return new VarUse(both, dynamic || other.dynamic);
  }

  boolean isEmpty() {
    return names.isEmpty() && !dynamic;
  }
}
