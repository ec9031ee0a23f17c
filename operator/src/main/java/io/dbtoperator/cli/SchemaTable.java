package io.dbtoperator.cli;

import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtSchema;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;

/**
 * Prints the DbtSchemas of a namespace as {@code kubectl get dbtschemas} does, again whenever a row
 * changes, with the project's phase above it.
 */
final class SchemaTable implements AutoCloseable {
  private static final String FORMAT = "%-22s %-10s %-8s %-21s %-21s %-9s %s%n";

  private final KubernetesClient client;
  private final String namespace;
  private final PrintWriter out;
  private String printed = "";
  private Watch schemas;
  private Watch projects;

  SchemaTable(KubernetesClient client, String namespace, PrintWriter out) {
    this.client = client;
    this.namespace = namespace;
    this.out = out;
  }

  void watch() {
    Watcher<DbtSchema> onSchema = watcher();
    Watcher<DbtProject> onProject = watcher();
    schemas = client.resources(DbtSchema.class).inNamespace(namespace).watch(onSchema);
    projects = client.resources(DbtProject.class).inNamespace(namespace).watch(onProject);
  }

  private <T> Watcher<T> watcher() {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        print();
      }

      @Override
      public void onClose(WatcherException cause) {
        out.println("stopped watching: " + cause.getMessage());
        out.flush();
      }
    };
  }

  synchronized void print() {
    StringBuilder text = new StringBuilder();
    for (DbtProject project :
        client.resources(DbtProject.class).inNamespace(namespace).list().getItems()) {
      var status = project.getStatus();
      if (status == null) {
        continue;
      }
      String message = readyMessage(status.conditions());
      text.append(
          String.format(
              "dbtproject/%s  desired %s  live %s  %s: %s%n",
              project.getMetadata().getName(),
              dash(status.desiredCommitShort()),
              dash(status.liveCommitShort()),
              status.phase(),
              message));
      if (status.plan() != null) {
        text.append("  plan ")
            .append(status.plan().hash())
            .append(": ")
            .append(status.plan().summary())
            .append('\n');
      }
    }
    text.append(
        String.format(
            FORMAT, "NAME", "SCHEMA", "LIVE", "LAST-REFRESH", "NEXT-DUE", "PHASE", "MESSAGE"));
    List<DbtSchema> items =
        client.resources(DbtSchema.class).inNamespace(namespace).list().getItems();
    items.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    for (DbtSchema schema : items) {
      var status = schema.getStatus();
      String message = status == null ? "" : readyMessage(status.conditions());
      text.append(
          String.format(
              FORMAT,
              schema.getMetadata().getName(),
              schema.getSpec().schema(),
              status == null ? "-" : dash(status.liveCommitShort()),
              status == null ? "-" : dash(status.lastRefresh()),
              status == null ? "-" : dash(status.nextDue()),
              status == null ? "-" : dash(status.phase()),
              message.length() > 60 ? message.substring(0, 57) + "..." : message));
    }
    if (!text.toString().equals(printed)) {
      printed = text.toString();
      out.println();
      out.print(printed);
      out.flush();
    }
  }

  private static String readyMessage(List<io.fabric8.kubernetes.api.model.Condition> conditions) {
    return conditions == null
        ? ""
        : conditions.stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(io.fabric8.kubernetes.api.model.Condition::getMessage)
            .filter(java.util.Objects::nonNull)
            .findFirst()
            .orElse("");
  }

  private static String dash(String value) {
    return value == null ? "-" : value;
  }

  @Override
  public void close() {
    if (schemas != null) {
      schemas.close();
    }
    if (projects != null) {
      projects.close();
    }
  }
}
