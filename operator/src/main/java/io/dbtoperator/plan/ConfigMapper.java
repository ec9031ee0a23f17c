package io.dbtoperator.plan;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtSchemaSpec;
import io.dbtoperator.api.Identifiers;
import io.dbtoperator.api.RefreshSpec;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Maps DbtProject and DbtSchema specs (and the same types read from dbt-operator.yml) to the
 * planning configuration, validating what the CRD schema cannot: cadences, time zones, and inputs
 * that never went through the API server. Error messages name the field by its path.
 */
public final class ConfigMapper {
  private static final Pattern IDENTIFIER = Pattern.compile(Identifiers.IDENTIFIER);
  private static final Pattern TIME_OF_DAY = Pattern.compile(Identifiers.TIME_OF_DAY);
  // Privileges are spliced into GRANT statements, so only words and spaces get through.
  private static final Pattern PRIVILEGE = Pattern.compile("^[A-Za-z]+( [A-Za-z]+)*$");

  private ConfigMapper() {}

  /** Maps a project and its DbtSchema resources, without a dbt-operator.yml. */
  public static OperatorConfig map(DbtProjectSpec project, List<DbtSchemaSpec> schemas) {
    return map(project, schemas, OperatorConfig.EMPTY);
  }

  /**
   * Maps a project and its DbtSchema resources over the settings of the repository's
   * dbt-operator.yml: what the resources set wins, a DbtSchema replacing the file's entry for its
   * schema as a whole.
   */
  public static OperatorConfig map(
      DbtProjectSpec project, List<DbtSchemaSpec> schemas, OperatorConfig file) {
    DbtProjectSpec.Defaults defaults = project.defaults();
    RefreshPolicy defaultRefresh =
        defaults != null && defaults.refresh() != null
            ? refreshPolicy(defaults.refresh(), "spec.defaults.refresh")
            : file.defaults();
    Map<String, List<String>> defaultGrants =
        defaults != null && defaults.grants() != null
            ? grants(defaults.grants(), "spec.defaults.grants")
            : file.defaultGrants();

    Map<String, SchemaPolicy> policies = new LinkedHashMap<>(file.schemas());
    Map<String, String> declared = new LinkedHashMap<>();
    for (DbtSchemaSpec spec : schemas) {
      SchemaPolicy policy;
      try {
        policy = schemaPolicy(spec, "spec");
      } catch (PlanException e) {
        throw new PlanException("DbtSchema for schema " + spec.schema() + ": " + e.getMessage());
      }
      String key = policy.schema().toLowerCase(Locale.ROOT);
      if (declared.put(key, policy.schema()) != null) {
        throw new PlanException(
            "schema " + policy.schema() + " is declared by more than one DbtSchema resource");
      }
      policies.keySet().removeIf(name -> name.equalsIgnoreCase(policy.schema()));
      policies.put(policy.schema(), policy);
    }

    return new OperatorConfig(
        project.viewChangePolicy() != null ? project.viewChangePolicy() : file.viewChangePolicy(),
        project.refresh() != null
            ? refreshPolicy(project.refresh(), "spec.refresh")
            : file.refreshOverride(),
        defaultRefresh,
        Map.copyOf(policies),
        defaultGrants);
  }

  /**
   * Maps one schema's settings.
   *
   * @param path the path of spec in errors, e.g. "spec" or "schemas[2]"
   */
  public static SchemaPolicy schemaPolicy(DbtSchemaSpec spec, String path) {
    String schema = identifier(spec.schema(), path + ".schema");
    List<String> dependsOn = null;
    if (spec.dependsOn() != null) {
      dependsOn = new ArrayList<>();
      for (int i = 0; i < spec.dependsOn().size(); i++) {
        dependsOn.add(identifier(spec.dependsOn().get(i), path + ".dependsOn[" + i + "]"));
      }
      dependsOn = List.copyOf(dependsOn);
    }
    return new SchemaPolicy(
        schema,
        spec.kind(),
        spec.refresh() == null ? null : refreshPolicy(spec.refresh(), path + ".refresh"),
        spec.grants() == null ? null : grants(spec.grants(), path + ".grants"),
        dependsOn,
        spec.suspend());
  }

  /**
   * Maps a refresh policy.
   *
   * @param path the path of the policy in errors, e.g. "spec.refresh"
   */
  public static RefreshPolicy refreshPolicy(RefreshSpec spec, String path) {
    ZoneId declaredZone = zone(spec.timeZone(), path + ".timeZone");
    ZoneId zone = declaredZone != null ? declaredZone : ZoneOffset.UTC;
    return new RefreshPolicy(
        cadence(spec.every(), zone, path + ".every"),
        cadence(spec.fullRefreshEvery(), zone, path + ".fullRefreshEvery"),
        cadence(spec.snapshotEvery(), zone, path + ".snapshotEvery"),
        conditions(spec.conditions(), declaredZone, path + ".conditions"));
  }

  private static RefreshConditions conditions(
      RefreshSpec.Conditions spec, ZoneId declaredZone, String path) {
    if (spec == null) {
      return declaredZone == null
          ? RefreshConditions.NONE
          : new RefreshConditions(Set.of(), null, null, declaredZone, null, null);
    }
    LocalTime windowStart = null;
    LocalTime windowEnd = null;
    if (spec.window() != null) {
      windowStart = requiredTimeOfDay(spec.window().start(), path + ".window.start");
      windowEnd = requiredTimeOfDay(spec.window().end(), path + ".window.end");
    }
    Set<DayOfWeek> days = spec.daysOfWeek() == null ? Set.of() : Set.copyOf(spec.daysOfWeek());
    return new RefreshConditions(
        days,
        windowStart,
        windowEnd,
        declaredZone,
        duration(spec.minInterval(), path + ".minInterval"),
        timeOfDay(spec.upstreamRefreshedSince(), path + ".upstreamRefreshedSince"));
  }

  private static Cadence cadence(String expression, ZoneId zone, String path) {
    return expression == null ? null : Cadence.parse(expression, zone, path);
  }

  private static ZoneId zone(String zone, String path) {
    if (zone == null) {
      return null;
    }
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new PlanException(path + ": unknown time zone \"" + zone + "\"");
    }
  }

  private static Duration duration(String text, String path) {
    if (text == null) {
      return null;
    }
    Duration duration;
    try {
      duration = Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new PlanException(
          path + ": \"" + text + "\" is not an ISO-8601 duration (examples: PT30M, PT6H, P1D)");
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new PlanException(path + ": \"" + text + "\" must be a positive duration");
    }
    return duration;
  }

  private static LocalTime requiredTimeOfDay(String text, String path) {
    if (text == null) {
      throw new PlanException(path + ": required");
    }
    return timeOfDay(text, path);
  }

  private static LocalTime timeOfDay(String text, String path) {
    if (text == null) {
      return null;
    }
    if (!TIME_OF_DAY.matcher(text).matches()) {
      throw new PlanException(
          path + ": \"" + text + "\" is not a time of day \"HH:mm\" (00:00 to 23:59)");
    }
    return LocalTime.parse(text);
  }

  static Map<String, List<String>> grants(Map<String, List<String>> grants, String path) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> grant : grants.entrySet()) {
      String role = identifier(grant.getKey(), path);
      String privilegesPath = path + "." + role;
      if (grant.getValue() == null || grant.getValue().isEmpty()) {
        throw new PlanException(privilegesPath + ": list at least one privilege");
      }
      for (int i = 0; i < grant.getValue().size(); i++) {
        String privilege = grant.getValue().get(i);
        if (privilege == null || !PRIVILEGE.matcher(privilege).matches()) {
          throw new PlanException(
              privilegesPath
                  + "["
                  + i
                  + "]: \""
                  + privilege
                  + "\" is not a privilege (words such as SELECT or REFERENCES)");
        }
      }
      copy.put(role, List.copyOf(grant.getValue()));
    }
    return Map.copyOf(copy);
  }

  private static String identifier(String name, String path) {
    if (name == null) {
      throw new PlanException(path + ": required");
    }
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new PlanException(
          path
              + ": \""
              + name
              + "\" is not an identifier (letters, digits, _ and $, not starting with a digit)");
    }
    return name;
  }
}
