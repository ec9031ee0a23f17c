package io.dbtoperator.cli;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.git.SourceRepository;
import io.dbtoperator.plan.ProjectLayout;
import io.dbtoperator.run.ArtifactStore;
import io.dbtoperator.run.LocalDbtExecutor;
import io.dbtoperator.run.ProjectRunner;
import io.dbtoperator.run.RunListener;
import io.dbtoperator.run.RunSettings;
import io.dbtoperator.run.WarehouseLocation;
import io.dbtoperator.state.StateLocation;
import io.dbtoperator.state.StateStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options shared by the commands that run dbt or read what runs left behind. */
final class ProjectOptions {
  @Option(names = "--repo", defaultValue = ".", description = "Git repository (default: .).")
  Path repo;

  @Option(
      names = "--project-dir",
      defaultValue = ".",
      description = "Directory of dbt_project.yml inside the repository (default: .).")
  String projectDir;

  @Option(
      names = "--project",
      description = "Project key in the state store (default: the dbt project's name).")
  String project;

  @Option(
      names = "--state",
      defaultValue = "sqlite:.dbt-operator/state.db",
      description = "State store: sqlite:PATH (default: ${DEFAULT-VALUE}).")
  String state;

  @Option(
      names = "--artifacts",
      defaultValue = "local:.dbt-operator/artifacts",
      description =
          "Where logs, run results, manifests and docs go: local:DIR or"
              + " s3://BUCKET/PREFIX[?region=R&endpoint=URL&pathStyle=true], credentials from the"
              + " AWS environment variables (default: ${DEFAULT-VALUE}).")
  String artifacts;

  @Option(
      names = "--warehouse",
      defaultValue = "embedded:.dbt-operator/postgres",
      description =
          "embedded:DIR[?roles=R1,R2] (a PostgreSQL started by the command, data kept in DIR,"
              + " consumer roles created if missing) or"
              + " postgres://USER@HOST:PORT/DB?schema=S (the password from"
              + " DBT_OPERATOR_PG_PASSWORD or PGPASSWORD) or"
              + " snowflake://ACCOUNT/DATABASE?user=U&warehouse=W&role=R&schema=S (the key from"
              + " the PKCS8 file SNOWFLAKE_PRIVATE_KEY_PATH, with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,"
              + " or SNOWFLAKE_PASSWORD) (default: ${DEFAULT-VALUE}).")
  String warehouse;

  @Option(
      names = "--dbt",
      description = "dbt executable (default: .venv/bin/dbt of the repository, else dbt on PATH).")
  Path dbt;

  @Option(
      names = "--work",
      defaultValue = ".dbt-operator/work",
      description = "Directory for checkouts and dbt output (default: ${DEFAULT-VALUE}).")
  Path work;

  @Option(names = "--threads", defaultValue = "4", description = "dbt --threads (default: 4).")
  int threads;

  @Option(
      names = "--keep-previous",
      defaultValue = "1",
      description = "Previous versions kept per schema for rollback (default: 1).")
  int keepPrevious;

  /** Set by deploy: schemas that another project owns may be deployed over. */
  boolean takeOver;

  /** The option that names the revision a command works on, for errors. */
  String revisionOption = "revision";

  private static final java.util.regex.Pattern PROJECT_NAME =
      java.util.regex.Pattern.compile(io.dbtoperator.api.Identifiers.IDENTIFIER);

  /**
   * Checks what needs no file, repository or server, so that a typo is reported at once and not
   * after an embedded PostgreSQL has started.
   */
  void validate() {
    if (threads < 1) {
      throw new UserInputException("--threads: must be 1 or more, got " + threads);
    }
    if (keepPrevious < 0) {
      throw new UserInputException("--keep-previous: must be 0 or more, got " + keepPrevious);
    }
    if (project != null) {
      projectName(project, "--project");
    }
    // A bare name is looked up on PATH when dbt runs; a path must lead to a program now.
    if (dbt != null && (dbt.getNameCount() > 1 || dbt.isAbsolute()) && !Files.isExecutable(dbt)) {
      throw new UserInputException("--dbt: " + dbt + " is not an executable file");
    }
  }

  /** The project key names directories under --work and tags in the warehouse. */
  private static String projectName(String name, String where) {
    if (name.length() > 100 || !PROJECT_NAME.matcher(name).matches()) {
      throw new UserInputException(
          where
              + ": \""
              + (name.length() > 100 ? name.substring(0, 100) + "..." : name)
              + "\" is not a project name (letters, digits and _, not starting with a digit)");
    }
    return name;
  }

  /** Everything a command opened, closed together. */
  record Session(
      String project,
      SourceRepository repository,
      StateStore store,
      ArtifactStore artifacts,
      WarehouseLocation warehouse,
      ProjectRunner runner)
      implements AutoCloseable {
    @Override
    public void close() {
      try (repository;
          store;
          artifacts;
          warehouse) {
        // closes all four, in reverse order, even if one fails
      }
    }
  }

  /** Opens the state store only, for commands that read history. */
  StateStore openStore(Clock clock) {
    validate();
    return openStore(state, clock);
  }

  static StateStore openStore(String location, Clock clock) {
    StateLocation parsed;
    try {
      parsed = StateLocation.parse(location);
    } catch (io.dbtoperator.state.StateStoreException e) {
      throw new UserInputException("--state: " + e.getMessage(), e);
    }
    return parsed.open(clock);
  }

  ArtifactStore openArtifacts() {
    io.dbtoperator.run.ArtifactLocation parsed;
    try {
      parsed = io.dbtoperator.run.ArtifactLocation.parse(artifacts, System.getenv());
    } catch (io.dbtoperator.run.ArtifactStoreException e) {
      throw new UserInputException("--artifacts: " + e.getMessage(), e);
    }
    return parsed.open();
  }

  /** Opens --repo (or {@code option}'s repository), naming the option in errors. */
  static SourceRepository openRepository(Path repo, String option) {
    try {
      return JGitRepository.open(repo);
    } catch (io.dbtoperator.plan.PlanException e) {
      throw new UserInputException(option + ": " + e.getMessage(), e);
    }
  }

  String project(SourceRepository repository, String revision) {
    if (project != null) {
      return project;
    }
    String commit = repository.resolve(revision);
    byte[] yml =
        repository
            .read(commit, projectDir, "dbt_project.yml")
            .orElseThrow(
                () ->
                    new UserInputException(
                        "dbt_project.yml not found in "
                            + repo
                            + " at "
                            + revision
                            + ": check --repo and --project-dir"));
    String name = ProjectLayout.parse(yml, "dbt_project.yml").name();
    if (name == null) {
      throw new UserInputException("dbt_project.yml has no name; pass --project");
    }
    return projectName(name, "dbt_project.yml: name");
  }

  Session open(String revision, Clock clock, RunListener listener) {
    validate();
    SourceRepository repository = openRepository(repo, "--repo");
    try {
      repository.resolve(revision);
    } catch (io.dbtoperator.plan.PlanException e) {
      repository.close();
      throw new UserInputException(revisionOption + " " + revision + ": " + e.getMessage(), e);
    }
    String key = project(repository, revision);
    StateStore store = openStore(clock);
    ArtifactStore artifactStore = openArtifacts();
    WarehouseLocation location = WarehouseLocation.open(warehouse, System::getenv);
    ProjectRunner runner =
        new ProjectRunner(
            key,
            repository,
            projectDir,
            work.resolve(key),
            store,
            location.target(),
            new LocalDbtExecutor(dbtExecutable(), work.resolve(key).resolve("dbt.pid")),
            artifactStore,
            new ArtifactStore.ProjectKey("local", key),
            clock,
            new RunSettings(
                holder(),
                Duration.ofMinutes(30),
                keepPrevious,
                Duration.ofHours(24),
                threads,
                true,
                takeOver),
            listener,
            KillSwitch.fromEnvironment(System.getenv()),
            line -> {});
    return new Session(key, repository, store, artifactStore, location, runner);
  }

  private Path dbtExecutable() {
    if (dbt != null) {
      return dbt;
    }
    Path venv = repo.resolve(".venv/bin/dbt");
    if (Files.isExecutable(venv)) {
      return venv;
    }
    Path here = Path.of(".venv/bin/dbt");
    return Files.isExecutable(here) ? here.toAbsolutePath() : Path.of("dbt");
  }

  /** One CLI per host at a time: a crashed command on this host can take its lease back. */
  private static String holder() {
    try {
      return "cli@" + InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "cli@localhost";
    }
  }
}
