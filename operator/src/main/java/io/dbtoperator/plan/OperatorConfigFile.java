package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtSchemaSpec;
import io.dbtoperator.api.RefreshSpec;
import io.dbtoperator.api.ViewChangePolicy;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The in-repository configuration file dbt-operator.yml, next to dbt_project.yml. It uses the
 * DbtProject and DbtSchema spec types, so a project can move between the file and resources by
 * copying YAML.
 */
public final class OperatorConfigFile {
  public static final String FILE_NAME = "dbt-operator.yml";

  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** The file's top level. */
  record Contents(
      ViewChangePolicy viewChangePolicy,
      RefreshSpec refresh,
      DbtProjectSpec.Defaults defaults,
      List<DbtSchemaSpec> schemas) {}

  private OperatorConfigFile() {}

  /**
   * Parses and validates the file.
   *
   * @param source the file's name in errors, e.g. "dbt-operator.yml" or
   *     "analytics/dbt-operator.yml"
   */
  public static OperatorConfig parse(String yaml, String source) {
    Contents contents = read(yaml, source);
    if (contents == null) {
      return OperatorConfig.EMPTY;
    }
    try {
      return map(contents);
    } catch (PlanException e) {
      throw new PlanException(source + ": " + e.getMessage(), e);
    }
  }

  private static OperatorConfig map(Contents contents) {
    Map<String, SchemaPolicy> schemas = new LinkedHashMap<>();
    Map<String, Integer> indexByName = new LinkedHashMap<>();
    List<DbtSchemaSpec> specs = contents.schemas() == null ? List.of() : contents.schemas();
    for (int i = 0; i < specs.size(); i++) {
      String path = "schemas[" + i + "]";
      DbtSchemaSpec spec = specs.get(i);
      if (spec == null) {
        throw new PlanException(path + ": must be a mapping, not empty");
      }
      if (spec.projectRef() != null) {
        throw new PlanException(
            path
                + ".projectRef: not allowed in "
                + FILE_NAME
                + " (the file belongs to its project)");
      }
      if (spec.deletionPolicy() != null) {
        // Deleting a resource is what triggers it, so it belongs on the DbtSchema resource.
        throw new PlanException(
            path + ".deletionPolicy: not allowed in " + FILE_NAME + " (set it on the DbtSchema)");
      }
      SchemaPolicy policy = ConfigMapper.schemaPolicy(spec, path);
      Integer earlier = indexByName.put(policy.schema().toLowerCase(Locale.ROOT), i);
      if (earlier != null) {
        throw new PlanException(
            path
                + ".schema: "
                + policy.schema()
                + " is already configured by schemas["
                + earlier
                + "]");
      }
      schemas.put(policy.schema(), policy);
    }
    DbtProjectSpec.Defaults defaults = contents.defaults();
    return new OperatorConfig(
        contents.viewChangePolicy() != null
            ? contents.viewChangePolicy()
            : ViewChangePolicy.DeployDependents,
        contents.refresh() == null
            ? null
            : ConfigMapper.refreshPolicy(contents.refresh(), "refresh"),
        defaults == null || defaults.refresh() == null
            ? RefreshPolicy.NEVER
            : ConfigMapper.refreshPolicy(defaults.refresh(), "defaults.refresh"),
        Map.copyOf(schemas),
        defaults == null || defaults.grants() == null
            ? Map.of()
            : ConfigMapper.grants(defaults.grants(), "defaults.grants"));
  }

  private static Contents read(String yaml, String source) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JacksonException e) {
      throw new PlanException(source + ": invalid YAML at " + syntaxProblem(e), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return null;
    }
    try {
      return YAML.treeToValue(tree, Contents.class);
    } catch (UnrecognizedPropertyException e) {
      String known =
          e.getKnownPropertyIds().stream()
              .map(Object::toString)
              .sorted()
              .collect(Collectors.joining(", "));
      throw new PlanException(
          source + ": " + path(e) + ": unknown field (expected one of: " + known + ")", e);
    } catch (InvalidFormatException e) {
      throw new PlanException(
          source
              + ": "
              + path(e)
              + ": \""
              + e.getValue()
              + "\" is not "
              + expected(e.getTargetType()),
          e);
    } catch (MismatchedInputException e) {
      throw new PlanException(
          source + ": " + path(e) + ": expected " + expected(e.getTargetType()), e);
    } catch (JacksonException e) {
      throw new PlanException(source + ": " + e.getOriginalMessage(), e);
    }
  }

  private static String syntaxProblem(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
          && marked.getProblemMark() != null) {
        String context =
            marked.getContext() == null || marked.getContextMark() == null
                ? ""
                : " ("
                    + marked.getContext()
                    + " started at line "
                    + (marked.getContextMark().getLine() + 1)
                    + ", column "
                    + (marked.getContextMark().getColumn() + 1)
                    + ")";
        return "line "
            + (marked.getProblemMark().getLine() + 1)
            + ", column "
            + (marked.getProblemMark().getColumn() + 1)
            + ": "
            + marked.getProblem()
            + context;
      }
    }
    return e.getMessage();
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "a different value";
    }
    if (type.isEnum()) {
      return "one of "
          + Arrays.stream(type.getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping";
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? "(top level)" : path.toString();
  }
}
