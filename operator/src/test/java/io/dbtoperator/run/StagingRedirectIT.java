package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.git.JGitRepository;
import io.dbtoperator.warehouse.PostgresSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles the example project with real dbt under the staging redirect and reads the SQL dbt
 * generated: the schema being built goes to staging, every other reference stays on live, and with
 * swap-safe references (Snowflake) a view's reference to its own schema carries no schema name, so
 * that it still resolves after the staging schema is swapped in under the live name (dbt-core
 * #1603).
 */
class StagingRedirectIT {
  @TempDir Path temp;

  @Test
  void redirectsOneSchemaAndKeepsSameSchemaViewReferencesFreeOfTheStagingName() throws Exception {
    PostgresSettings pg = PostgresHarness.newDatabase("redirect");
    GitFixture git = new GitFixture(temp.resolve("repo"));
    git.copy(PostgresHarness.repositoryRoot().resolve("examples/shop"))
        .write(
            Map.of(
                "models/staging/stg_big_orders.sql",
                "select * from {{ ref('stg_orders') }} where amount_cents > 1000\n"));
    String commit = git.commit("with a view reading a view of its own schema");
    PostgresTarget target = new PostgresTarget(pg, "public");
    LocalDbtExecutor dbt = new LocalDbtExecutor(PostgresHarness.dbt());
    Workspace workspace =
        Workspace.prepare(
            JGitRepository.open(git.dir()),
            ".",
            commit,
            temp.resolve("ws"),
            target,
            dbt,
            null,
            line -> {});
    String staging = "staging__dbtop_20261123080000_0123abcd_d";

    String plain = compile(workspace, target, dbt, staging, false, "plain");
    String swapSafe = compile(workspace, target, dbt, staging, true, "swap-safe");

    assertThat(plain)
        .as("without swap-safe references the view names staging")
        .contains("\"" + staging + "\".\"stg_orders\"");
    assertThat(swapSafe)
        .as("with them, the same-schema reference has no schema: it follows the view")
        .contains("from \"stg_orders\"")
        .doesNotContain(staging);
    Path target1 = workspace.targetPath("swap-safe").resolve("compiled/shop/models");
    assertThat(Files.readString(target1.resolve("staging/stg_orders.sql")))
        .as("references to other schemas stay on live")
        .contains("\"raw\".\"raw_orders\"");
    assertThat(Files.readString(workspace.projectDir().resolve("macros/generate_schema_name.sql")))
        .as("the project's own macro is wrapped, not replaced")
        .contains("macro " + StagingRedirect.PROJECT_SCHEMA_MACRO + "(");
  }

  private static String compile(
      Workspace workspace,
      PostgresTarget target,
      LocalDbtExecutor dbt,
      String staging,
      boolean swapSafe,
      String runDir)
      throws Exception {
    StagingRedirect.install(
        workspace.projectDir(),
        workspace.layout(),
        workspace.manifest(),
        Map.of("staging", staging),
        swapSafe);
    DbtCommand command =
        workspace.command(
            target,
            target.profile(workspace.profileName(), 1, null),
            List.of(
                "compile",
                "--select",
                "shop.staging.stg_big_orders",
                "shop.marts.orders",
                "shop.staging.stg_orders"),
            runDir);
    StringBuilder log = new StringBuilder();
    int exit = dbt.run(command, line -> log.append(line).append('\n'));
    assertThat(exit).as(log.toString()).isZero();
    return Files.readString(
        workspace.targetPath(runDir).resolve("compiled/shop/models/staging/stg_big_orders.sql"));
  }
}
