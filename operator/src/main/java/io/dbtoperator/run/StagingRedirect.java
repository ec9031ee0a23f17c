package io.dbtoperator.run;

import io.dbtoperator.plan.Manifest;
import io.dbtoperator.plan.ManifestMacro;
import io.dbtoperator.plan.ProjectLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes dbt build one schema's models into its staging schema while every other ref keeps resolving
 * to live schemas.
 *
 * <p>dbt decides where a node goes when it parses, by calling {@code generate_schema_name}, and the
 * root project's macro of that name wins over every package. So the operator writes its own {@code
 * generate_schema_name} into the checked-out root project: it asks the project's own logic (or the
 * package's, or dbt's default) for the live schema name, then maps the schema being built to its
 * staging name. A root-project macro of the same name is renamed in the checkout first, so that
 * both can exist; the checkout is private to the run, the repository is never touched.
 *
 * <p>For warehouses that swap by name (Snowflake), views keep the text of their query, so a view
 * built in staging that names {@code STAGING.T} would read the old version after the swap (dbt-core
 * #1603). There the operator also overrides {@code ref}: a view's reference to a relation of its
 * own schema is rendered without database and schema, which Snowflake resolves against the view's
 * own schema, whatever that schema is called at query time.
 */
public final class StagingRedirect {

  /** Name of the generated macro file, inside the root project's first macro path. */
  public static final String FILE_NAME = "dbt_operator__staging_redirect.sql";

  static final String PROJECT_SCHEMA_MACRO = "dbt_operator_project_generate_schema_name";
  static final String PROJECT_REF_MACRO = "dbt_operator_project_ref";

  private StagingRedirect() {}

  /**
   * Writes the redirect into a checked-out project and renames project macros it wraps.
   *
   * @param liveToStaging live schema name (any case) to staging schema name
   * @param swapSafeViewRefs true for warehouses whose swap renames (Snowflake)
   * @return the macro file written
   */
  public static Path install(
      Path projectDir,
      ProjectLayout layout,
      Manifest manifest,
      Map<String, String> liveToStaging,
      boolean swapSafeViewRefs) {
    String schemaCall = wrap(projectDir, manifest, "generate_schema_name", PROJECT_SCHEMA_MACRO);
    String refCall = swapSafeViewRefs ? wrap(projectDir, manifest, "ref", PROJECT_REF_MACRO) : null;
    Path file = projectDir.resolve(layout.macroPaths().get(0)).resolve(FILE_NAME);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, render(schemaCall, refCall, liveToStaging));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /**
   * The files a build pod must lay over its checkout of the commit, by path relative to the project
   * directory: the redirect, and the project's own macros it renamed. They are installed into
   * {@code projectDir} (the operator's own checkout of the commit) to compute them.
   */
  public static Map<String, String> overlay(
      Path projectDir,
      ProjectLayout layout,
      Manifest manifest,
      Map<String, String> liveToStaging,
      boolean swapSafeViewRefs) {
    Path file = install(projectDir, layout, manifest, liveToStaging, swapSafeViewRefs);
    Map<String, String> files = new TreeMap<>();
    files.put(relative(projectDir, file), readString(file));
    for (String macro :
        swapSafeViewRefs
            ? List.of("generate_schema_name", "ref")
            : List.of("generate_schema_name")) {
      ManifestMacro root = manifest.macros().get("macro." + manifest.projectName() + "." + macro);
      if (root != null) {
        Path renamed = projectDir.resolve(root.originalFilePath());
        files.put(relative(projectDir, renamed), readString(renamed));
      }
    }
    return files;
  }

  private static String relative(Path projectDir, Path file) {
    return projectDir.relativize(file).normalize().toString().replace('\\', '/');
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The macro file's text; {@code refCall} null leaves ref alone. */
  static String render(String schemaCall, String refCall, Map<String, String> liveToStaging) {
    Map<String, String> mapping = new TreeMap<>();
    liveToStaging.forEach((live, staging) -> mapping.put(live.toLowerCase(Locale.ROOT), staging));
    StringBuilder dict = new StringBuilder("{");
    mapping.forEach(
        (live, staging) -> {
          if (dict.length() > 1) {
            dict.append(", ");
          }
          dict.append(literal(live)).append(": ").append(literal(staging));
        });
    dict.append('}');
    StringBuilder text =
        new StringBuilder()
            .append("{#- Written by dbt-operator for one staging build; see docs/deploys.md. -#}\n")
            .append("{% macro generate_schema_name(custom_schema_name=none, node=none) -%}\n")
            .append("  {%- set live = (")
            .append(schemaCall)
            .append("(custom_schema_name, node)) | trim -%}\n")
            .append("  {{- ")
            .append(dict)
            .append(".get(live | lower, live) -}}\n")
            .append("{%- endmacro %}\n");
    if (refCall != null) {
      text.append("\n{% macro ref() -%}\n")
          .append("  {%- set relation = ")
          .append(refCall)
          .append("(*varargs, **kwargs) -%}\n")
          .append("  {%- set staging_schemas = ")
          .append(
              mapping.values().stream()
                  .map(s -> literal(s.toLowerCase(Locale.ROOT)))
                  .toList()
                  .toString())
          .append(" -%}\n")
          .append(
              "  {%- if execute and model is mapping and model.get('config', {}).get('materialized') == 'view'\n")
          .append("        and relation.schema is string and model.get('schema') is string\n")
          .append("        and relation.schema | lower == model.get('schema') | lower\n")
          .append("        and relation.schema | lower in staging_schemas -%}\n")
          .append("    {%- do return(relation.include(database=false, schema=false)) -%}\n")
          .append("  {%- endif -%}\n")
          .append("  {%- do return(relation) -%}\n")
          .append("{%- endmacro %}\n");
    }
    return text.toString();
  }

  /**
   * The expression that calls the implementation our macro wraps. A root-project definition is
   * renamed in the checkout; a package's is called through its namespace; otherwise dbt's own.
   */
  private static String wrap(Path projectDir, Manifest manifest, String macro, String renamedTo) {
    Optional<ManifestMacro> root =
        Optional.ofNullable(manifest.macros().get("macro." + manifest.projectName() + "." + macro));
    if (root.isPresent()) {
      rename(projectDir.resolve(root.get().originalFilePath()), macro, renamedTo);
      return renamedTo;
    }
    for (ManifestMacro candidate : new TreeMap<>(manifest.macros()).values()) {
      String pkg = candidate.packageName();
      if (candidate.uniqueId().equals("macro." + pkg + "." + macro)
          && !pkg.equals("dbt")
          && !pkg.startsWith("dbt_")) {
        return pkg + "." + macro;
      }
    }
    return macro.equals("ref") ? "builtins.ref" : "dbt." + macro;
  }

  private static void rename(Path file, String macro, String renamedTo) {
    Pattern header = Pattern.compile("(\\{%-?\\s*macro\\s+)" + Pattern.quote(macro) + "(\\s*\\()");
    try {
      String text = Files.readString(file);
      if (Pattern.compile("\\{%-?\\s*macro\\s+" + Pattern.quote(renamedTo) + "\\s*\\(")
          .matcher(text)
          .find()) {
        return;
      }
      Matcher matcher = header.matcher(text);
      if (!matcher.find()) {
        throw new IllegalStateException(
            file
                + ": the manifest says macro "
                + macro
                + " is defined here, but no"
                + " '{% macro "
                + macro
                + "(' header was found");
      }
      Files.writeString(file, matcher.replaceFirst("$1" + renamedTo + "$2"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + file, e);
    }
  }

  private static String literal(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
