package io.dbtoperator.reconcile;

import io.dbtoperator.api.DbtProject;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The project's clock: a CronJob on {@code spec.clock} whose pod runs the operator image as {@code
 * dbt-operator trigger}, under a ServiceAccount that may patch this one DbtProject and nothing
 * else.
 */
final class ClockResources {
  private ClockResources() {}

  static String name(DbtProject project) {
    return Labels.name(project.getMetadata().getName(), "clock");
  }

  static List<HasMetadata> all(DbtProject project, String operatorImage) {
    return List.of(
        serviceAccount(project),
        role(project),
        roleBinding(project),
        cronJob(project, operatorImage));
  }

  static ServiceAccount serviceAccount(DbtProject project) {
    return new ServiceAccountBuilder().withMetadata(meta(project)).build();
  }

  static Role role(DbtProject project) {
    return new RoleBuilder()
        .withMetadata(meta(project))
        .addNewRule()
        .withApiGroups(DbtProject.GROUP)
        .withResources("dbtprojects")
        .withResourceNames(project.getMetadata().getName())
        .withVerbs("get", "patch")
        .endRule()
        .build();
  }

  static RoleBinding roleBinding(DbtProject project) {
    return new RoleBindingBuilder()
        .withMetadata(meta(project))
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", name(project))
        .addNewSubject()
        .withKind("ServiceAccount")
        .withName(name(project))
        .withNamespace(project.getMetadata().getNamespace())
        .endSubject()
        .build();
  }

  static CronJob cronJob(DbtProject project, String operatorImage) {
    String schedule = project.getSpec().clock() == null ? "*/5 * * * *" : project.getSpec().clock();
    return new CronJobBuilder()
        .withMetadata(meta(project))
        .withNewSpec()
        .withSchedule(schedule)
        .withConcurrencyPolicy("Forbid")
        .withSuccessfulJobsHistoryLimit(1)
        .withFailedJobsHistoryLimit(3)
        .withNewJobTemplate()
        .withNewSpec()
        .withBackoffLimit(2)
        .withActiveDeadlineSeconds(300L)
        .withTtlSecondsAfterFinished(3600)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels(project))
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(name(project))
        .withRestartPolicy("Never")
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(RunPods.RUN_AS_USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName("trigger")
        .withImage(operatorImage)
        .withArgs(
            "trigger",
            "--namespace",
            project.getMetadata().getNamespace(),
            "--project",
            project.getMetadata().getName())
        .withEnv(RunPods.shortCommandEnv(List.of()))
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .endJobTemplate()
        .endSpec()
        .build();
  }

  private static ObjectMeta meta(DbtProject project) {
    return new ObjectMetaBuilder()
        .withName(name(project))
        .withNamespace(project.getMetadata().getNamespace())
        .withLabels(labels(project))
        .withOwnerReferences(RunPods.owner(project))
        .build();
  }

  private static Map<String, String> labels(DbtProject project) {
    // Sorted, so that the generated YAML is stable.
    return new TreeMap<>(
        Map.of(
            Labels.MANAGED_BY, Labels.OPERATOR, Labels.PROJECT, project.getMetadata().getName()));
  }
}
