package io.dbtoperator.local;

import java.util.Map;

/**
 * Kubernetes' {@code $(VAR)} references in env values, command and args: {@code $(NAME)} becomes
 * the variable's value when it is defined and stays as written otherwise, {@code $$} is a literal
 * {@code $}.
 */
final class VariableExpansion {

  private VariableExpansion() {}

  static String expand(String input, Map<String, String> variables) {
    StringBuilder out = new StringBuilder(input.length());
    int i = 0;
    while (i < input.length()) {
      char c = input.charAt(i);
      if (c != '$' || i + 1 >= input.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = input.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
        continue;
      }
      int close = next == '(' ? input.indexOf(')', i + 2) : -1;
      if (close < 0) {
        out.append(c);
        i++;
        continue;
      }
      String name = input.substring(i + 2, close);
      String value = variables.get(name);
      out.append(value != null ? value : input.substring(i, close + 1));
      i = close + 1;
    }
    return out.toString();
  }
}
