package io.dbtoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbtoperator.api.DbtProject;
import io.dbtoperator.api.DbtProjectSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The checkout init container of a project on an ssh URL: the git Secret mounted into it alone, its
 * arguments naming the key files (defaults of a kubernetes.io/ssh-auth Secret), no contents.
 */
class CheckoutPodSshTest {
  /**
   * The example project with an ssh URL and the given secretRef, by JSON so as not to pin its
   * record's constructor.
   */
  private static Pod pod(DbtProjectSpec.GitSecretRef ref) throws IOException {
    ObjectNode tree = Serialization.jsonMapper().valueToTree(GeneratedResourcesTest.example());
    ObjectNode git = (ObjectNode) tree.path("spec").path("git");
    git.put("url", "git@git.example.com:data/analytics.git");
    git.set("secretRef", Serialization.jsonMapper().valueToTree(ref));
    DbtProject project = Serialization.jsonMapper().treeToValue(tree, DbtProject.class);
    return RunPods.pod(project, GeneratedResourcesTest.spec());
  }

  private static Container checkout(Pod pod) {
    return pod.getSpec().getInitContainers().stream()
        .filter(c -> c.getName().equals("checkout"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void namesTheDefaultKeysOfAnSshAuthSecret() throws IOException {
    Pod pod = pod(new DbtProjectSpec.GitSecretRef("analytics-git", null, null, null));
    assertThat(checkout(pod).getArgs())
        .containsSubsequence("--url", "git@git.example.com:data/analytics.git")
        .containsSubsequence(
            "--credentials",
            RunPods.GIT_CREDENTIALS,
            "--ssh-private-key-key",
            "ssh-privatekey",
            "--known-hosts-key",
            "known_hosts")
        .doesNotContain("--token-key");
    Volume git =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("git"))
            .findFirst()
            .orElseThrow();
    assertThat(git.getSecret().getSecretName()).isEqualTo("analytics-git");
    assertThat(git.getSecret().getDefaultMode()).isEqualTo(0400);
    for (Container container : pod.getSpec().getInitContainers()) {
      boolean mountsGit =
          container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("git"));
      assertThat(mountsGit)
          .as(container.getName())
          .isEqualTo(container.getName().equals("checkout"));
    }
    assertThat(pod.getSpec().getContainers())
        .allSatisfy(c -> assertThat(c.getVolumeMounts()).noneMatch(m -> m.getName().equals("git")));
  }

  @Test
  void namesConfiguredKeys() throws IOException {
    Pod pod = pod(new DbtProjectSpec.GitSecretRef("analytics-git", null, "deploy-key", "hosts"));
    assertThat(checkout(pod).getArgs())
        .containsSubsequence("--ssh-private-key-key", "deploy-key", "--known-hosts-key", "hosts");
  }
}
