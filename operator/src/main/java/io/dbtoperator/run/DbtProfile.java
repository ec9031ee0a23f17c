package io.dbtoperator.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A generated profiles.yml with one target. Credentials are written as {@code env_var()} lookups
 * and travel in {@link #secretEnv}, so the file holds no secret.
 *
 * @param output the target's settings, as dbt's adapter expects them
 */
public record DbtProfile(
    String profileName,
    String targetName,
    Map<String, Object> output,
    Map<String, String> secretEnv) {

  public static final String TARGET = "dbt_operator";

  private static final java.util.Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .disable(YAMLGenerator.Feature.SPLIT_LINES));

  public DbtProfile {
    output = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(output));
    secretEnv = Map.copyOf(secretEnv);
  }

  /**
   * The reference dbt resolves at run time, e.g. {@code {{ env_var('DBT_OPERATOR_PASSWORD') }}}.
   */
  public static String envReference(String variable) {
    return "{{ env_var('" + variable + "') }}";
  }

  public String toYaml() {
    Map<String, Object> profile = new LinkedHashMap<>();
    profile.put("target", targetName);
    profile.put("outputs", Map.of(targetName, output));
    try {
      return YAML.writeValueAsString(Map.of(profileName, profile));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("profile settings are plain values", e);
    }
  }

  /** Writes profiles.yml into {@code dir}, readable by its owner only. */
  public Path write(Path dir) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("profiles.yml");
      Files.deleteIfExists(file);
      // Created owner-only before anything is written, so no other user can open it in between.
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      Files.writeString(file, toYaml());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write profiles.yml into " + dir, e);
    }
  }
}
