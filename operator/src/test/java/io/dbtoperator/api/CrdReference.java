package io.dbtoperator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * docs/crd-reference.md, rendered from the CRDs: every field with its type, constraints and
 * description, so that the reference says what the API server enforces and nothing else.
 */
final class CrdReference {
  private CrdReference() {}

  static String render(List<CustomResourceDefinition> crds) {
    StringBuilder out = new StringBuilder();
    out.append("# CRD reference\n\n")
        .append("Generated from `crds/` by `CrdReferenceTest`; do not edit. Regenerate with: `")
        .append(CrdFiles.UPDATE_COMMAND)
        .append("`.\n");
    for (CustomResourceDefinition crd : crds) {
      renderKind(out, crd);
    }
    return out.toString();
  }

  private static void renderKind(StringBuilder out, CustomResourceDefinition crd) {
    var names = crd.getSpec().getNames();
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
      out.append("\n## ")
          .append(names.getKind())
          .append("\n\n`")
          .append(crd.getSpec().getGroup())
          .append('/')
          .append(version.getName())
          .append("`, namespaced; `kubectl get ")
          .append(names.getPlural())
          .append("` (short names: ")
          .append(String.join(", ", names.getShortNames()))
          .append(").\n\n")
          .append(oneLine(root.getDescription()))
          .append("\n\nColumns of `kubectl get`: ")
          .append(
              version.getAdditionalPrinterColumns().stream()
                  .map(c -> "`" + c.getName() + "` (" + oneLine(c.getDescription()) + ")")
                  .collect(Collectors.joining(", ")))
          .append(".\n\n| Field | Type | Description |\n|---|---|---|\n");
      for (String top : List.of("spec", "status")) {
        JSONSchemaProps field = root.getProperties().get(top);
        if (field != null) {
          renderField(out, top, field, false);
        }
      }
    }
  }

  private static void renderField(
      StringBuilder out, String path, JSONSchemaProps field, boolean required) {
    out.append("| `")
        .append(path)
        .append("` | ")
        .append(type(field))
        .append(required ? ", required" : "")
        .append(" | ")
        .append(cell(field.getDescription()))
        .append(" |\n");
    JSONSchemaProps element = elementOf(field);
    if (element != null) {
      renderChildren(out, path + "[]", element);
    }
    JSONSchemaProps value = valueOf(field);
    if (value != null) {
      renderChildren(out, path + ".*", value);
    }
    renderChildren(out, path, field);
  }

  private static void renderChildren(StringBuilder out, String path, JSONSchemaProps parent) {
    Map<String, JSONSchemaProps> properties = parent.getProperties();
    if (properties == null) {
      return;
    }
    List<String> required = parent.getRequired() == null ? List.of() : parent.getRequired();
    properties.forEach(
        (name, child) -> renderField(out, path + "." + name, child, required.contains(name)));
  }

  private static String type(JSONSchemaProps field) {
    StringBuilder type = new StringBuilder();
    if (Boolean.TRUE.equals(field.getXKubernetesIntOrString())) {
      type.append("integer or string");
    } else if (field.getType() == null) {
      type.append("any");
    } else if ("array".equals(field.getType()) && elementOf(field) != null) {
      type.append("array of ").append(type(elementOf(field)));
    } else if ("object".equals(field.getType()) && valueOf(field) != null) {
      type.append("map of ").append(type(valueOf(field)));
    } else {
      type.append(field.getType());
    }
    if (field.getEnum() != null && !field.getEnum().isEmpty()) {
      type.append(": ")
          .append(
              field.getEnum().stream()
                  .map(JsonNode::asText)
                  .map(v -> "`" + v + "`")
                  .collect(Collectors.joining(", ")));
    }
    if (field.getPattern() != null) {
      type.append(", pattern `").append(field.getPattern().replace("|", "\\|")).append('`');
    }
    if (field.getMinimum() != null) {
      type.append(", minimum ").append(number(field.getMinimum()));
    }
    if (field.getMaximum() != null) {
      type.append(", maximum ").append(number(field.getMaximum()));
    }
    if (Boolean.TRUE.equals(field.getXKubernetesPreserveUnknownFields())) {
      type.append(", free-form");
    }
    return type.toString();
  }

  private static String number(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static JSONSchemaProps elementOf(JSONSchemaProps field) {
    return field.getItems() == null ? null : field.getItems().getSchema();
  }

  private static JSONSchemaProps valueOf(JSONSchemaProps field) {
    return field.getAdditionalProperties() == null
        ? null
        : field.getAdditionalProperties().getSchema();
  }

  private static String cell(String text) {
    return oneLine(text).replace("|", "\\|");
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\n\\s*", " ").trim();
  }
}
