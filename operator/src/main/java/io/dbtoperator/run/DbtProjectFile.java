package io.dbtoperator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dbtoperator.plan.PlanException;
import java.io.IOException;

/** Reads what the run needs from dbt_project.yml beyond the layout. */
public final class DbtProjectFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private DbtProjectFile() {}

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
