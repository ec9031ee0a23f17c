package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A node's resolved config, taken from the stream: every key's value rendered as compact JSON (what
 * the planner compares), the materialization, and the var() calls in its text values at any depth.
 * One generator renders the values of a whole manifest: a JSON tree per node and Jackson's toString
 * per value took 40% of a warm plan (docs/benchmarks.md, "Warm plan profile"). The configs of a
 * manifest are kept compact, their equal values shared: most nodes repeat the same few values, and
 * what a manifest keeps alive is what each garbage collection of a plan copies.
 */
final class ManifestConfig {
  /**
   * @param buildConfig every key but the labels (tags, group) to its value as compact JSON
   * @param materialized the materialization, when it is a string
   */
  record Read(Map<String, String> buildConfig, String materialized, VarUse vars) {
    static final Read NONE = new Read(Map.of(), null, VarUse.NONE);
  }

  // dbt's own state:modified leaves these out too: they label nodes, they build nothing.
  private static final Set<String> LABEL_KEYS = Set.of("tags", "group");

  private final JsonParser parser;
  private final StringWriter rendered = new StringWriter();
  private final JsonGenerator json;
  private final Map<String, String> sharedValues = new HashMap<>();

  ManifestConfig(JsonParser parser, JsonFactory factory) throws IOException {
    this.parser = parser;
    this.json = factory.createGenerator(rendered);
    // Each value is rendered on its own, as a root value: no separator between them.
    json.setRootValueSeparator(null);
  }

  /** Reads the value of a node's "config", the parser at its first token. */
  Read read(JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      parser.skipChildren();
      return Read.NONE;
    }
    Map<String, String> config = new LinkedHashMap<>();
    String materialized = null;
    VarUse vars = VarUse.NONE;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken token = parser.nextToken();
      if (key.equals("materialized")) {
        materialized = token == JsonToken.VALUE_STRING ? parser.getText() : null;
      }
      vars = vars.and(copy());
      json.flush();
      String text = rendered.toString();
      rendered.getBuffer().setLength(0);
      if (!LABEL_KEYS.contains(key)) {
        config.put(key, sharedValues.computeIfAbsent(text, t -> t));
      }
    }
    return new Read(Map.copyOf(config), materialized, vars);
  }

  /** Renders the current value into the generator; returns the var() calls of its strings. */
  private VarUse copy() throws IOException {
    VarUse vars = VarUse.NONE;
    switch (parser.currentToken()) {
      case START_OBJECT -> {
        json.writeStartObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          json.writeFieldName(parser.currentName());
          parser.nextToken();
          vars = vars.and(copy());
        }
        json.writeEndObject();
      }
      case START_ARRAY -> {
        json.writeStartArray();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          vars = vars.and(copy());
        }
        json.writeEndArray();
      }
      case VALUE_STRING -> {
        String text = parser.getText();
        json.writeString(text);
        vars = VarUse.in(text);
      }
      default -> json.copyCurrentEvent(parser);
    }
    return vars;
  }
}
