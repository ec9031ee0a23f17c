package io.dbtoperator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dbtoperator.cli.Main;
import io.dbtoperator.helm.HelmChart;
import io.dbtoperator.run.PostgresHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The commands in the docs' bash blocks (README.md, docs/, the examples' READMEs) name what exists:
 * the scripts they run, the manifests kubectl applies, the chart and values helm installs (rendered
 * here with them), and the dbt-operator subcommands and options. Running them needs a cluster or a
 * warehouse; DemoIT, ChartDeploymentIT and the other ITs run what they do.
 */
class DocsCommandsTest {
  private static final Pattern BASH_BLOCK = Pattern.compile("(?ms)^```bash\\n(.*?)^```");
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*)");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  record Command(Path doc, List<String> words) {
    @Override
    public String toString() {
      return root().relativize(doc) + ": " + String.join(" ", words);
    }
  }

  @Test
  void everyCommandInTheDocsNamesWhatExists() throws IOException {
    List<String> problems = new ArrayList<>();
    Map<String, Integer> checked = new TreeMap<>();
    for (Command command : commands()) {
      String program = command.words().get(0);
      Optional<String> problem =
          switch (program) {
            case "bash", "python3" -> fileProblem(command, command.words().get(1));
            case "kubectl" -> kubectlProblem(command);
            case "helm" -> helmProblem(command);
            case "dbt-operator" -> cliProblem(command);
            default -> null;
          };
      if (problem != null) {
        checked.merge(program, 1, Integer::sum);
        problem.ifPresent(p -> problems.add(command + "\n    " + p));
      }
    }
    assertThat(problems).as("commands in the docs naming what does not exist").isEmpty();
    assertThat(checked)
        .as("commands checked, by program")
        .containsKeys("bash", "kubectl", "helm", "dbt-operator");
    assertThat(checked.get("dbt-operator")).isGreaterThanOrEqualTo(10);
  }

  private static Optional<String> fileProblem(Command command, String path) {
    return resolve(command, path).isPresent()
        ? Optional.empty()
        : Optional.of(path + " does not exist");
  }

  private static Optional<String> kubectlProblem(Command command) throws IOException {
    List<String> words = command.words();
    for (int i = 0; i < words.size() - 1; i++) {
      if (!words.get(i).equals("-f")) {
        continue;
      }
      Optional<Path> file = resolve(command, words.get(i + 1));
      if (file.isEmpty()) {
        return Optional.of(words.get(i + 1) + " does not exist");
      }
      try (var parser = YAML.getFactory().createParser(file.get().toFile())) {
        for (var documents = YAML.readValues(parser, JsonNode.class); documents.hasNext(); ) {
          JsonNode document = documents.next();
          boolean object = document.has("apiVersion") && document.has("kind");
          boolean configMapPatch = document.has("data");
          if (!object && !configMapPatch) {
            return Optional.of(words.get(i + 1) + " holds a document without apiVersion and kind");
          }
        }
      }
    }
    return Optional.empty();
  }

  /** {@code helm install|template RELEASE CHART}, rendered with its namespace and --set values. */
  private static Optional<String> helmProblem(Command command) throws IOException {
    List<String> words = command.words();
    if (!List.of("install", "template").contains(words.get(1))) {
      return Optional.empty();
    }
    Optional<Path> chart = resolve(command, words.get(3));
    if (chart.isEmpty()) {
      return Optional.of("chart " + words.get(3) + " does not exist");
    }
    String namespace = "default";
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 4; i < words.size() - 1; i++) {
      switch (words.get(i)) {
        case "-n", "--namespace" -> namespace = words.get(i + 1);
        case "--set" -> set(values, words.get(i + 1));
        default -> {
          // --create-namespace and the like change nothing rendered.
        }
      }
    }
    Path file = Files.createTempFile("docs-values", ".yaml");
    try {
      YAML.writeValue(file.toFile(), values);
      HelmChart.render(words.get(2), namespace, file, Map.of());
      return Optional.empty();
    } catch (IllegalStateException e) {
      return Optional.of("helm template fails: " + e.getMessage().strip());
    } finally {
      Files.delete(file);
    }
  }

  /** A --set of helm: dotted keys, {a,b} lists; values stay strings, as helm's own --set. */
  @SuppressWarnings("unchecked")
  private static void set(Map<String, Object> values, String assignment) {
    String[] keyValue = assignment.split("=", 2);
    String[] keys = keyValue[0].split("\\.");
    Map<String, Object> map = values;
    for (int i = 0; i < keys.length - 1; i++) {
      map = (Map<String, Object>) map.computeIfAbsent(keys[i], k -> new LinkedHashMap<>());
    }
    String value = keyValue[1];
    map.put(
        keys[keys.length - 1],
        value.startsWith("{") && value.endsWith("}")
            ? List.of(value.substring(1, value.length() - 1).split(","))
            : value);
  }

  /**
   * {@code dbt-operator SUBCOMMAND[|SUBCOMMAND] ...}: each subcommand exists and has every option
   * the line names (a synopsis, with [optional] parts, or a real command).
   */
  private static Optional<String> cliProblem(Command command) {
    CommandLine cli = Main.commandLine(new String[0]);
    List<String> problems = new ArrayList<>();
    for (String name : command.words().get(1).split("\\|")) {
      CommandLine subcommand = cli.getSubcommands().get(name);
      if (subcommand == null) {
        problems.add("no subcommand " + name);
        continue;
      }
      Matcher option =
          OPTION.matcher(String.join(" ", command.words().subList(2, command.words().size())));
      while (option.find()) {
        if (subcommand.getCommandSpec().findOption(option.group(1)) == null) {
          problems.add(name + " has no option " + option.group(1));
        }
      }
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /** A path as the doc means it: from the repository root, or from the doc's own folder. */
  private static Optional<Path> resolve(Command command, String path) {
    return Stream.of(root().resolve(path), command.doc().getParent().resolve(path))
        .filter(Files::exists)
        .findFirst();
  }

  private static Path root() {
    return PostgresHarness.repositoryRoot();
  }

  static List<Command> commands() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(root().resolve("README.md")));
    try (Stream<Path> files = Files.walk(root().resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    try (Stream<Path> files = Files.walk(root().resolve("examples"))) {
      files.filter(f -> f.getFileName().toString().equals("README.md")).sorted().forEach(docs::add);
    }
    List<Command> commands = new ArrayList<>();
    for (Path doc : docs) {
      Matcher block = BASH_BLOCK.matcher(Files.readString(doc));
      while (block.find()) {
        for (String line : logicalLines(block.group(1))) {
          for (String part : line.split(line.startsWith("dbt-operator ") ? "&&" : "&&| \\| ")) {
            List<String> words = words(part);
            while (!words.isEmpty() && words.get(0).matches("[A-Z_]+=.*")) {
              words.remove(0);
            }
            if (!words.isEmpty()) {
              commands.add(new Command(doc, words));
            }
          }
        }
      }
    }
    return commands;
  }

  /**
   * Lines joined where they continue: after a backslash, and the indented [--option] lines of a
   * dbt-operator synopsis. Comments are dropped.
   */
  private static List<String> logicalLines(String block) {
    List<String> lines = new ArrayList<>();
    boolean continues = false;
    for (String raw : block.split("\n")) {
      String line = stripComment(raw).strip();
      boolean synopsisPart = raw.startsWith(" ") && (line.startsWith("[") || line.startsWith("--"));
      if (line.isEmpty()) {
        continues = false;
        continue;
      }
      boolean backslash = line.endsWith("\\");
      line = backslash ? line.substring(0, line.length() - 1).strip() : line;
      if ((continues || synopsisPart) && !lines.isEmpty()) {
        lines.set(lines.size() - 1, lines.get(lines.size() - 1) + " " + line);
      } else {
        lines.add(line);
      }
      continues = backslash;
    }
    return lines;
  }

  private static String stripComment(String line) {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  /** Words as a shell splits them, quotes removed (no expansion). */
  private static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    char quote = 0;
    boolean inWord = false;
    for (char c : line.strip().toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
