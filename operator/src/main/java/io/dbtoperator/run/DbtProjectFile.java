package io.dbtoperator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dbtoperator.plan.PlanException;
import java.io.IOException;

/** Reads what the run needs from dbt_project.yml beyond the layout. */
public final class DbtProjectFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final ObjectMapper SORTED_JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private DbtProjectFile() {}

  /** The project's {@code vars}, as JSON with sorted keys: equal vars give equal text. */
  public static String vars(byte[] dbtProjectYml) {
    try {
      JsonNode vars = YAML.readTree(dbtProjectYml).get("vars");
      if (vars == null || vars.isNull()) {
        return "{}";
      }
      return SORTED_JSON.writeValueAsString(YAML.treeToValue(vars, Object.class));
    } catch (IOException e) {
      throw new PlanException("dbt_project.yml: invalid YAML: " + e.getMessage(), e);
    }
  }

  /** The profile the project uses; dbt defaults it to the project name. */
  public static String profileName(byte[] dbtProjectYml) {
    try {
      JsonNode root = YAML.readTree(dbtProjectYml);
      JsonNode profile = root.get("profile");
      if (profile != null && profile.isTextual()) {
        return profile.asText();
      }
      JsonNode name = root.get("name");
      if (name != null && name.isTextual()) {
        return name.asText();
      }
      throw new PlanException("dbt_project.yml: neither profile nor name is set");
    } catch (IOException e) {
      throw new PlanException("dbt_project.yml: invalid YAML: " + e.getMessage(), e);
    }
  }
}
