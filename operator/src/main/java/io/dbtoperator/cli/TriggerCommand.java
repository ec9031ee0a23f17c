package io.dbtoperator.cli;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.reconcile.Labels;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One tick of a project's clock: what the CronJob runs. It only marks the DbtProject with a refresh
 * request; the operator works out what is due.
 */
@Command(
    name = "trigger",
    mixinStandardHelpOptions = true,
    description =
        "Requests a refresh tick of a DbtProject (annotation "
            + Labels.REFRESH_REQUESTED
            + "), as the project's clock CronJob does.")
final class TriggerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--namespace", required = true, description = "Namespace of the DbtProject.")
  String namespace;

  @Option(names = "--project", required = true, description = "Name of the DbtProject.")
  String project;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String token = Clock.systemUTC().instant().toString();
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      DbtProject patch = new DbtProject();
      patch.getMetadata().setAnnotations(Map.of(Labels.REFRESH_REQUESTED, token));
      client
          .resources(DbtProject.class)
          .inNamespace(namespace)
          .withName(project)
          .patch(
              io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                  io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
              patch);
    } catch (KubernetesClientException e) {
      throw new UserInputException(
          "--project: cannot mark dbtproject "
              + namespace
              + "/"
              + project
              + (e.getCode() == 404 ? ": not found" : ": " + e.getStatus().getMessage()));
    }
    out.println(
        "refresh requested for dbtproject " + namespace + "/" + project + " (" + token + ")");
    return Main.NO_CHANGES;
  }
}
