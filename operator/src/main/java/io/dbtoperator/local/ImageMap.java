package io.dbtoperator.local;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which local command stands in for a container image, since the local kubelet runs processes and
 * not images.
 *
 * <p>An image is looked up by its exact name, else by the longest matching prefix, else by the
 * default entry. Then, as in Kubernetes, where {@code command} replaces the image's ENTRYPOINT:
 *
 * <ul>
 *   <li>a container without {@code command} runs {@code entrypoint(image) + args}; an image without
 *       an entry fails to start;
 *   <li>a container with {@code command} runs {@code command + args}, whatever its image, unless
 *       the image's entry replaces the command: then it runs {@code entrypoint(image) + args}, for
 *       images whose command names a path that exists only inside the image.
 * </ul>
 *
 * <p>In the text form ({@link #parse}), {@code IMAGE=WORD...} is an entry, {@code IMAGE:=WORD...}
 * one that replaces the command, an IMAGE ending in {@code *} a prefix, {@code *} alone the
 * default; the words are separated by spaces.
 */
public final class ImageMap {

  /** The local command prefix standing in for an image's entrypoint. */
  public record Entry(List<String> entrypoint, boolean replacesCommand) {
    public Entry {
      entrypoint = List.copyOf(entrypoint);
    }
  }

  private final Map<String, Entry> exact;
  private final List<Map.Entry<String, Entry>> prefixes;
  private final Entry fallback;

  private ImageMap(Map<String, Entry> exact, Map<String, Entry> prefixes, Entry fallback) {
    this.exact = Map.copyOf(exact);
    List<Map.Entry<String, Entry>> sorted = new ArrayList<>(prefixes.entrySet());
    sorted.sort(
        Comparator.comparingInt((Map.Entry<String, Entry> e) -> e.getKey().length()).reversed());
    this.prefixes = List.copyOf(sorted);
    this.fallback = fallback;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads entries in the text form described on the class, e.g. {@code dbt:*=/venv/bin/dbt}. */
  public static ImageMap parse(List<String> specs) {
    Builder builder = builder();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "image mapping '" + spec + "' is not IMAGE=COMMAND or IMAGE:=COMMAND");
      }
      boolean replaces = spec.charAt(eq - 1) == ':';
      String image = spec.substring(0, replaces ? eq - 1 : eq);
      List<String> words =
          Arrays.stream(spec.substring(eq + 1).trim().split("\\s+"))
              .filter(w -> !w.isEmpty())
              .toList();
      builder.add(image, new Entry(words, replaces));
    }
    return builder.build();
  }

  public Optional<Entry> lookup(String image) {
    String name = image == null ? "" : image;
    Entry entry = exact.get(name);
    if (entry != null) {
      return Optional.of(entry);
    }
    for (Map.Entry<String, Entry> prefix : prefixes) {
      if (name.startsWith(prefix.getKey())) {
        return Optional.of(prefix.getValue());
      }
    }
    return Optional.ofNullable(fallback);
  }

  /**
   * The command line of a container, by the rules on the class.
   *
   * @throws IllegalArgumentException when the image has no entry and is needed, or the result is
   *     empty
   */
  public List<String> commandLine(String image, List<String> command, List<String> args) {
    Optional<Entry> entry = lookup(image);
    List<String> line = new ArrayList<>();
    boolean hasCommand = command != null && !command.isEmpty();
    if (hasCommand && entry.map(e -> !e.replacesCommand()).orElse(true)) {
      line.addAll(command);
    } else {
      line.addAll(
          entry
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "image " + image + " is not mapped to a local command"))
              .entrypoint());
    }
    if (args != null) {
      line.addAll(args);
    }
    if (line.isEmpty()) {
      throw new IllegalArgumentException(
          "image " + image + " maps to an empty command and the container has no args");
    }
    return line;
  }

  public static final class Builder {
    private final Map<String, Entry> exact = new LinkedHashMap<>();
    private final Map<String, Entry> prefixes = new LinkedHashMap<>();
    private Entry fallback;

    private Builder() {}

    /** An image name, a prefix ending in {@code *}, or {@code *} for every other image. */
    public Builder add(String image, Entry entry) {
      if (image.equals("*")) {
        fallback = entry;
      } else if (image.endsWith("*")) {
        prefixes.put(image.substring(0, image.length() - 1), entry);
      } else {
        exact.put(image, entry);
      }
      return this;
    }

    /** The entrypoint of an image, used when a container has no command. */
    public Builder entrypoint(String image, List<String> entrypoint) {
      return add(image, new Entry(entrypoint, false));
    }

    /** The command an image always runs, whatever command its containers name. */
    public Builder replacingCommand(String image, List<String> entrypoint) {
      return add(image, new Entry(entrypoint, true));
    }

    public ImageMap build() {
      return new ImageMap(exact, prefixes, fallback);
    }
  }
}
