package io.dbtoperator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.git.JGitRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the planner over 30 commits of a small project written with real dbt, each commit one
 * kind of change real histories are made of, and compares the models it builds with those real
 * {@code dbt ls -s state:modified+} selects against the previous commit's manifest.
 */
class PlanReplayIT {
  private static final int COMMITS = 30;

  @TempDir Path temp;

  /** The project as files, rewritten commit after commit. */
  private final Map<String, String> files = new TreeMap<>();

  private int version = 0;
  private int threshold = 1;
  private int helpers = 1;
  private String stagingMaterialized = "view";
  private int added = 0;
  private final List<String> addedModels = new ArrayList<>();

  private void writeProjectFile() {
    files.put(
        "dbt_project.yml",
        "name: replay\nversion: \"1.0."
            + version
            + "\"\nconfig-version: 2\nprofile: dbt_operator\n"
            + "vars:\n  threshold: "
            + threshold
            + "\n  region: eu\n"
            + "models:\n  replay:\n"
            + "    staging:\n      +schema: staging\n      +materialized: "
            + stagingMaterialized
            + "\n    marts:\n      +schema: marts\n      +materialized: table\n"
            + "    reporting:\n      +schema: reporting\n      +materialized: view\n");
    files.put("packages.yml", "packages:\n  - local: helpers_v" + helpers + "\n");
  }

  private void initialProject() {
    files.put(".gitignore", "dbt_packages/\ntarget/\nlogs/\n");
    files.put(
        "macros/generate_schema_name.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
            + "  {{ custom_schema_name | trim if custom_schema_name is not none else"
            + " target.schema }}\n{%- endmacro %}\n");
    for (int v = 1; v <= 6; v++) {
      files.put(
          "helpers_v" + v + "/dbt_project.yml",
          "name: helpers\nversion: \"1.0." + v + "\"\nconfig-version: 2\n");
      // Odd versions change round2; even ones only the unused macro: a bump need not matter.
      files.put(
          "helpers_v" + v + "/macros/amounts.sql",
          "{% macro fmt_amount(col) %}{{ helpers.round2(col) }}{% endmacro %}\n"
              + "{% macro round2(col) %}round({{ col }}, "
              + (v + 1) / 2
              + "){% endmacro %}\n"
              + "{% macro unused(col) %}{{ col }} -- "
              + v
              + "{% endmacro %}\n");
    }
    files.put("models/staging/stg_a.sql", "select 1 as id, 10 as amount\n");
    files.put("models/staging/stg_b.sql", "select 2 as id, 20 as amount\n");
    files.put("models/marts/m_a.sql", "select * from {{ ref('stg_a') }}\n");
    files.put("models/marts/m_b.sql", "select * from {{ ref('stg_b') }}\n");
    files.put(
        "models/marts/m_ab.sql",
        "select * from {{ ref('m_a') }}\nunion all\nselect * from {{ ref('m_b') }}\n");
    files.put(
        "models/reporting/r_total.sql", "select sum(amount) as total from {{ ref('m_ab') }}\n");
    files.put(
        "models/reporting/r_round.sql",
        "select {{ helpers.fmt_amount('amount') }} as amount from {{ ref('m_a') }}\n");
    files.put(
        "models/reporting/r_threshold.sql",
        "select * from {{ ref('m_b') }} where amount > {{ var('threshold') }}\n");
    writeProjectFile();
  }

  private static final List<String> EDITABLE =
      List.of(
          "models/staging/stg_a.sql",
          "models/marts/m_b.sql",
          "models/reporting/r_total.sql",
          "models/staging/stg_b.sql",
          "models/marts/m_ab.sql");

  /** Applies the change of commit {@code i}; returns what it was, for the printed table. */
  private String change(int i) {
    switch (i % 7) {
      case 0 -> {
        String path = EDITABLE.get((i / 7) % EDITABLE.size());
        files.put(path, files.get(path) + "-- edit " + i + "\n");
        return "edit " + path;
      }
      case 1 -> {
        stagingMaterialized = stagingMaterialized.equals("view") ? "table" : "view";
        writeProjectFile();
        return "staging +materialized: " + stagingMaterialized;
      }
      case 2 -> {
        version++;
        writeProjectFile();
        return "version bump";
      }
      case 3 -> {
        String model = "models/marts/m_b.sql";
        String text = files.get(model);
        files.put(
            model,
            text.startsWith("{{ config")
                ? text.substring(text.indexOf('\n') + 1)
                : "{{ config(materialized='view') }}\n" + text);
        return "config moved into m_b";
      }
      case 4 -> {
        threshold++;
        writeProjectFile();
        return "var threshold: " + threshold;
      }
      case 5 -> {
        helpers++;
        writeProjectFile();
        return "package helpers 1.0." + helpers;
      }
      default -> {
        if (addedModels.size() < 2) {
          added++;
          String model = "models/reporting/r_new_" + added + ".sql";
          files.put(model, "select id from {{ ref('m_ab') }}\n");
          addedModels.add(model);
          return "add " + model;
        }
        String removed = addedModels.remove(0);
        files.remove(removed);
        return "remove " + removed;
      }
    }
  }

  private void write(Path repo) throws Exception {
    try (var existing = Files.walk(repo.resolve("models"))) {
      for (Path file : existing.filter(Files::isRegularFile).toList()) {
        if (!files.containsKey(repo.relativize(file).toString())) {
          Files.delete(file);
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // First commit: nothing to delete yet.
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = repo.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue());
    }
  }

  /** The models a plan builds: every model of its building steps. */
  private static Set<String> built(Plan plan) {
    Set<String> models = new TreeSet<>();
    for (PlanStep step : plan.steps()) {
      if (step.action().changes()) {
        step.models().stream().filter(id -> id.startsWith("model.")).forEach(models::add);
      }
    }
    return models;
  }

  @Test
  void thirtyCommitsMissNoModelDbtSelectsAndBuildAtMostOnePointTwoTimesAsMany() throws Exception {
    RealDbt dbt = new RealDbt(temp);
    Path repo = temp.resolve("repo");
    Files.createDirectories(repo);
    initialProject();
    write(repo);
    dbt.run(repo, "deps-0", List.of("deps"));
    String previous = RealDbt.commitAll(repo, "initial");
    Path previousManifest = dbt.parse(repo, "0");
    int plannedTotal = 0;
    int dbtTotal = 0;
    List<String> misses = new ArrayList<>();
    StringBuilder table = new StringBuilder();
    try (JGitRepository repository = JGitRepository.open(repo)) {
      for (int i = 1; i <= COMMITS; i++) {
        String what = change(i);
        write(repo);
        if (what.startsWith("package")) {
          dbt.run(repo, "deps-" + i, List.of("deps"));
        }
        String commit = RealDbt.commitAll(repo, what);
        Set<String> selected =
            new TreeSet<>(dbt.stateModified(repo, previousManifest.getParent(), String.valueOf(i)));
        Path manifest = temp.resolve("target-" + i).resolve("manifest.json");
        Plan plan =
            new ProjectPlanner(repository, "")
                .plan(
                    previous,
                    commit,
                    ManifestReader.read(previousManifest),
                    ManifestReader.read(manifest),
                    null);
        Set<String> planned = built(plan);
        for (String model : selected) {
          if (!planned.contains(model)) {
            misses.add("commit " + i + " (" + what + "): " + model);
          }
        }
        plannedTotal += planned.size();
        dbtTotal += selected.size();
        table.append(
            String.format(
                "%2d  %-45s planner %2d  dbt %2d%n", i, what, planned.size(), selected.size()));
        previous = commit;
        previousManifest = manifest;
      }
    }
    double ratio = (double) plannedTotal / dbtTotal;
    System.out.print(table);
    System.out.printf(
        "replay of %d commits: planner built %d models, dbt state:modified+ selected %d, ratio %.2f,"
            + " %d misses%n",
        COMMITS, plannedTotal, dbtTotal, ratio, misses.size());
    assertThat(misses).isEmpty();
    assertThat(ratio).isLessThanOrEqualTo(1.2);
  }
}
