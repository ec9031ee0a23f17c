package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Identifies a plan by its content, so that an approval given for one plan never applies to
 * another.
 */
final class PlanHash {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PlanHash() {}

  static String of(String from, String to, List<PlanStep> steps) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("from", from);
    content.put("to", to);
    content.put("steps", steps);
    try {
      return ManifestCommitCheck.sha256(JSON.writeValueAsString(content)).substring(0, 16);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("plan steps are plain records and always serialize", e);
    }
  }
}
