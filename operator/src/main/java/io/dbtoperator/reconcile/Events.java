package io.dbtoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/** Kubernetes Events on a resource, e.g. Planned, RunStarted, Swapped, Failed. */
final class Events {
  private static final java.time.format.DateTimeFormatter MICRO_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX")
          .withZone(java.time.ZoneOffset.UTC);

  private final KubernetesClient client;
  private final Clock clock;

  Events(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Records the Event, and logs it: the log outlives the Event's hour in the API server. */
  void record(HasMetadata about, boolean warning, String reason, String note) {
    String namespace = about.getMetadata().getNamespace();
    String line = "{} {}/{}: {}";
    Object[] fields = {reason, about.getKind(), about.getMetadata().getName(), note};
    if (warning) {
      RunLog.LOG.warn(line, fields);
    } else {
      RunLog.LOG.info(line, fields);
    }
    client
        .events()
        .v1()
        .events()
        .inNamespace(namespace)
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withGenerateName(about.getMetadata().getName() + "-")
                .withNamespace(namespace)
                .endMetadata()
                .withEventTime(
                    new MicroTime(
                        clock
                            .instant()
                            .toString()
                            .replace("Z", "000Z")
                            .replaceAll("\\.(\\d{6})\\d*000Z", ".$1Z")))
                .withReportingController("dbtoperator.io/dbt-operator")
                .withReportingInstance(Labels.OPERATOR)
                .withAction(reason)
                .withReason(reason)
                .withType(warning ? "Warning" : "Normal")
                .withNote(note.length() > 1000 ? note.substring(0, 1000) : note)
                .withRegarding(
                    new ObjectReferenceBuilder()
                        .withApiVersion(about.getApiVersion())
                        .withKind(about.getKind())
                        .withName(about.getMetadata().getName())
                        .withNamespace(namespace)
                        .withUid(about.getMetadata().getUid())
                        .build())
                .build())
        .create();
  }
}
