package io.dbtoperator.plan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's resolved config, taken from the stream: every key's value rendered as compact JSON (what
 * the planner compares), the materialization, and the var() calls in its text values at any depth.
 * One generator renders the values of a whole manifest: a JSON tree per node and Jackson's toString
 * per value took 40% of a warm plan (docs/benchmarks.md, "Warm plan profile"). Equal configs, and
 * equal values, are one object per manifest, in compact maps: most nodes repeat the config of their
 * folder, and what a manifest keeps alive is what each garbage collection of a plan copies.
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
  private final JsonFactory factory;
  private final byte[] document;
  private final Map<String, Read> readByBytes = new HashMap<>();
  private final TextWriter rendered = new TextWriter();
  private final JsonGenerator json;
  private final Map<String, String> sharedValues = new HashMap<>();
  // The configs read so far, by their rendering: nodes of a folder mostly have the same config.
  private final Map<String, Map<String, String>> sharedConfigs = new HashMap<>();

  /** Where a key's rendered value is in the rendering of the whole config. */
  private record Key(String name, int valueStart, int valueEnd) {}

  private final List<Key> keys = new ArrayList<>();

  ManifestConfig(JsonParser parser, JsonFactory factory) throws IOException {
    this(parser, factory, null);
  }

  /**
   * @param document the bytes the parser reads, when it reads bytes held in memory: a config
   *     written exactly as one read before is then taken from its bytes, without rendering it again
   */
  ManifestConfig(JsonParser parser, JsonFactory factory, byte[] document) throws IOException {
    this.parser = parser;
    this.factory = factory;
    this.document = document;
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
    if (document == null) {
      return render(parser);
    }
    // Most nodes repeat their folder's config byte for byte: skipping it and looking its bytes up
    // costs a fraction of rendering it (docs/benchmarks.md, "Third round").
    int start = (int) parser.currentTokenLocation().getByteOffset();
    parser.skipChildren();
    int end = (int) parser.currentTokenLocation().getByteOffset() + 1;
    // One char per byte: equal keys, equal bytes. A String hashes faster than a ByteBuffer.
    String bytes = new String(document, start, end - start, StandardCharsets.ISO_8859_1);
    Read read = readByBytes.get(bytes);
    if (read == null) {
      try (JsonParser config = factory.createParser(document, start, end - start)) {
        config.nextToken();
        read = render(config);
      }
      readByBytes.put(bytes, read);
    }
    return read;
  }

  /** Renders the config object the parser is at, and shares what equals a config read before. */
  private Read render(JsonParser parser) throws IOException {
    StringBuilder text = rendered.text;
    text.setLength(0);
    keys.clear();
    String materialized = null;
    VarUse vars = VarUse.NONE;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken token = parser.nextToken();
      if (key.equals("materialized")) {
        materialized = token == JsonToken.VALUE_STRING ? parser.getText() : null;
      }
      int keyStart = text.length();
      // Length-prefixed, so that no key or value can make two configs read alike.
      text.append(key.length()).append(':').append(key);
      int valueStart = text.length();
      vars = vars.and(copy(parser));
      json.flush();
      if (LABEL_KEYS.contains(key)) {
        text.setLength(keyStart);
      } else {
        keys.add(new Key(key, valueStart, text.length()));
      }
    }
    String whole = text.toString();
    Map<String, String> config = sharedConfigs.get(whole);
    if (config == null) {
      Map<String, String> values = new LinkedHashMap<>();
      for (Key key : keys) {
        String valueText = whole.substring(key.valueStart(), key.valueEnd());
        values.put(key.name(), sharedValues.computeIfAbsent(valueText, v -> v));
      }
      config = Map.copyOf(values);
      sharedConfigs.put(whole, config);
    }
    return new Read(config, materialized, vars);
  }

  /** Renders the current value into the generator; returns the var() calls of its strings. */
  private VarUse copy(JsonParser parser) throws IOException {
    VarUse vars = VarUse.NONE;
    switch (parser.currentToken()) {
      case START_OBJECT -> {
        json.writeStartObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          json.writeFieldName(parser.currentName());
          parser.nextToken();
          vars = vars.and(copy(parser));
        }
        json.writeEndObject();
      }
      case START_ARRAY -> {
        json.writeStartArray();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          vars = vars.and(copy(parser));
        }
        json.writeEndArray();
      }
      case VALUE_STRING -> {
        String text = parser.getText();
        json.writeString(text);
        vars = VarUse.in(text);
      }
      // An integer is copied as its text, which is what copying its value writes: reading the
      // value initialises BigDecimal, 10-25 ms of a cold plan ("Fourth round").
      case VALUE_NUMBER_INT -> json.writeNumber(parser.getText());
      default -> json.copyCurrentEvent(parser);
    }
    return vars;
  }

  /** A StringWriter without the locks: its StringBuffer synchronizes every append. */
  private static final class TextWriter extends Writer {
    private final StringBuilder text = new StringBuilder();

    @Override
    public void write(char[] chars, int offset, int length) {
      text.append(chars, offset, length);
    }

    @Override
    public void write(String string, int offset, int length) {
      text.append(string, offset, offset + length);
    }

    @Override
    public void write(int character) {
      text.append((char) character);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
