package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ManifestConfigTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  // Values of every JSON kind, escapes, non-ASCII text, numbers in several notations, nesting.
  private static final String CONFIG =
      "{\"materialized\": \"incremental\", \"enabled\": true, \"full_refresh\": null,"
          + " \"unique_key\": [\"id\", \"day\"], \"meta\": {\"owner\": \"Zoë \\\"z\\\" \\u00e9\","
          + " \"tab\": \"a\\tb\\\\c\\n\", \"nested\": {\"empty\": {}, \"list\": []}},"
          + " \"batch\": 12, \"big\": 12345678901234567890, \"ratio\": 0.25, \"exp\": 1e3,"
          + " \"neg\": -7.50, \"tags\": [\"nightly\"], \"group\": \"finance\","
          + " \"post-hook\": [{\"sql\": \"grant select on {{ this }} to {{ var('reader') }}\","
          + " \"transaction\": true}], \"docs\": {\"show\": false, \"node_color\": null}}";

  @Test
  void rendersEachValueAsJacksonRendersItsTree() throws Exception {
    ManifestConfig.Read read = read(CONFIG);

    Map<String, String> expected = new LinkedHashMap<>();
    MAPPER
        .readTree(CONFIG)
        .fields()
        .forEachRemaining(
            field -> {
              if (!Set.of("tags", "group").contains(field.getKey())) {
                expected.put(field.getKey(), field.getValue().toString());
              }
            });
    assertThat(read.buildConfig()).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(read.buildConfig().get("meta"))
        .isEqualTo(
            "{\"owner\":\"Zoë \\\"z\\\" é\",\"tab\":\"a\\tb\\\\c\\n\","
                + "\"nested\":{\"empty\":{},\"list\":[]}}");
    assertThat(read.buildConfig().get("exp")).isEqualTo("1000.0");
    assertThat(read.materialized()).isEqualTo("incremental");
  }

  @Test
  void readsVarsInConfigValuesAtAnyDepth() throws Exception {
    assertThat(read(CONFIG).vars()).isEqualTo(new VarUse(Set.of("reader"), false));
  }

  @Test
  void aConfigThatIsNoObjectIsEmptyAndTheNextFieldIsStillRead() throws Exception {
    try (JsonParser parser =
        MAPPER.createParser("{\"config\": [1, {\"a\": 2}], \"next\": \"x\"}")) {
      parser.nextToken();
      parser.nextToken();
      ManifestConfig configs = new ManifestConfig(parser, MAPPER.getFactory());

      assertThat(configs.read(parser.nextToken())).isEqualTo(ManifestConfig.Read.NONE);
      assertThat(parser.nextToken()).isEqualTo(JsonToken.FIELD_NAME);
      assertThat(parser.currentName()).isEqualTo("next");
    }
  }

  @Test
  void aMaterializationThatIsNoStringIsNone() throws Exception {
    assertThat(read("{\"materialized\": {\"x\": 1}}").materialized()).isNull();
  }

  @Test
  void consecutiveConfigsAreRenderedApart() throws Exception {
    try (JsonParser parser = MAPPER.createParser("[{\"a\": \"1\"}, {\"a\": 2, \"b\": [3]}]")) {
      parser.nextToken();
      ManifestConfig configs = new ManifestConfig(parser, MAPPER.getFactory());

      assertThat(configs.read(parser.nextToken()).buildConfig())
          .containsExactly(Map.entry("a", "\"1\""));
      assertThat(configs.read(parser.nextToken()).buildConfig())
          .containsOnly(Map.entry("a", "2"), Map.entry("b", "[3]"));
    }
  }

  @Test
  void equalConfigsAreOneMapAndKeysOrValuesThatReadAlikeJoinedAreApart() throws Exception {
    try (JsonParser parser =
        MAPPER.createParser(
            "[{\"a\": \"x\", \"tags\": [\"one\"]}, {\"a\": \"x\", \"tags\": [\"two\"]},"
                + " {\"a\": \"x\", \"b\": 1}, {\"a\": \"x\\\"1:b\", \"b\": 1},"
                + " {\"a\": \"x\", \"1:b\": 1}]")) {
      parser.nextToken();
      ManifestConfig configs = new ManifestConfig(parser, MAPPER.getFactory());

      Map<String, String> first = configs.read(parser.nextToken()).buildConfig();
      Map<String, String> labelsOnlyDiffer = configs.read(parser.nextToken()).buildConfig();
      Map<String, String> twoKeys = configs.read(parser.nextToken()).buildConfig();
      Map<String, String> quoteInValue = configs.read(parser.nextToken()).buildConfig();
      Map<String, String> oddKey = configs.read(parser.nextToken()).buildConfig();

      assertThat(labelsOnlyDiffer).isSameAs(first).containsOnly(Map.entry("a", "\"x\""));
      assertThat(twoKeys).containsOnly(Map.entry("a", "\"x\""), Map.entry("b", "1"));
      assertThat(quoteInValue).containsOnly(Map.entry("a", "\"x\\\"1:b\""), Map.entry("b", "1"));
      assertThat(oddKey).containsOnly(Map.entry("a", "\"x\""), Map.entry("1:b", "1"));
    }
  }

  @Test
  void aConfigWrittenAsOneBeforeIsTakenFromItsBytesAndReadsTheSame() throws Exception {
    String sameBytes = "[" + CONFIG + ", " + CONFIG + ", " + CONFIG.replace(", ", ",") + "]";
    byte[] document = sameBytes.getBytes(StandardCharsets.UTF_8);
    try (JsonParser parser = MAPPER.getFactory().createParser(document)) {
      parser.nextToken();
      ManifestConfig configs = new ManifestConfig(parser, MAPPER.getFactory(), document);
      ManifestConfig.Read first = configs.read(parser.nextToken());
      ManifestConfig.Read again = configs.read(parser.nextToken());
      ManifestConfig.Read otherSpacing = configs.read(parser.nextToken());

      assertThat(first).isEqualTo(read(CONFIG));
      assertThat(again).as("the same bytes: the same read").isSameAs(first);
      assertThat(otherSpacing).isNotSameAs(first).isEqualTo(first);
      assertThat(otherSpacing.buildConfig()).isSameAs(first.buildConfig());
      assertThat(parser.nextToken()).isEqualTo(JsonToken.END_ARRAY);
    }
  }

  private static ManifestConfig.Read read(String json) throws Exception {
    try (JsonParser parser = MAPPER.createParser(json)) {
      ManifestConfig configs = new ManifestConfig(parser, MAPPER.getFactory());
      return configs.read(parser.nextToken());
    }
  }
}
