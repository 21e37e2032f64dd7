package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.kaji.node.runtime.AppArmor;
import io.kaji.node.runtime.ContainerSecurity;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.SandboxSecurity;
import io.kaji.node.runtime.SeLinux;
import io.kaji.node.runtime.Seccomp;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kubelet's effective security context: what overrides what, the image's user, runAsNonRoot's messages. */
class SecurityContextsTest {

    private static final Path SECCOMP = Path.of("/var/lib/kaji/seccomp");

    @Test
    void containerSettingsOverrideThePodsAndGroupsComeFromThePod() throws Exception {
        Pod pod = pod(new PodSecurityContextBuilder().withRunAsUser(1000L).withRunAsGroup(1000L).withFsGroup(2000L)
                .withSupplementalGroups(4000L, 5000L).withNewSeccompProfile().withType("RuntimeDefault")
                .endSeccompProfile().build(), container(new SecurityContextBuilder().withRunAsUser(1001L)
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true).withNewCapabilities()
                .withAdd("NET_ADMIN").withDrop("ALL").endCapabilities().build()));
        ContainerSecurity s = SecurityContexts.container(pod, pod.getSpec().getContainers().get(0),
                SecurityContexts.ImageUser.ROOT, SECCOMP);
        assertThat(s.runAsUser()).isEqualTo(1001L);
        assertThat(s.runAsGroup()).isEqualTo(1000L);
        assertThat(s.runAsUsername()).isEmpty();
        assertThat(s.supplementalGroups()).as("fsGroup first").containsExactly(2000L, 4000L, 5000L);
        assertThat(s.noNewPrivs()).isTrue();
        assertThat(s.readOnlyRootfs()).isTrue();
        assertThat(s.privileged()).isFalse();
        assertThat(s.addCapabilities()).containsExactly("NET_ADMIN");
        assertThat(s.dropCapabilities()).containsExactly("ALL");
        assertThat(s.seccomp()).as("the pod's profile").isEqualTo(Seccomp.RUNTIME_DEFAULT);

        SandboxSecurity sb = SecurityContexts.sandbox(pod, SECCOMP);
        assertThat(sb.runAsUser()).as("the pod's, not the container's").isEqualTo(1000L);
        assertThat(sb.supplementalGroups()).containsExactly(2000L, 4000L, 5000L);
        assertThat(sb.privileged()).isFalse();
        assertThat(sb.seccomp()).isEqualTo(Seccomp.RUNTIME_DEFAULT);
    }

    @Test
    void withoutSettingsTheImagesUserIsPassedOnAndNothingIsConfined() throws Exception {
        Pod pod = pod(null, container(null));
        Container c = pod.getSpec().getContainers().get(0);
        ContainerSecurity byName = SecurityContexts.container(pod, c, image(null, "app"), SECCOMP);
        assertThat(byName.runAsUser()).isNull();
        assertThat(byName.runAsUsername()).isEqualTo("app");
        assertThat(byName.seccomp()).isEqualTo(Seccomp.UNCONFINED);
        assertThat(byName.noNewPrivs()).as("allowPrivilegeEscalation unset: left off").isFalse();
        assertThat(SecurityContexts.container(pod, c, image(1000L, ""), SECCOMP).runAsUser()).isEqualTo(1000L);
        assertThat(SecurityContexts.container(pod, c, image(null, ""), SECCOMP).runAsUser())
                .as("an image that names no user runs as root, said explicitly (a runAsGroup needs a user)")
                .isEqualTo(0L);
        assertThat(SecurityContexts.container(pod, c, SecurityContexts.ImageUser.of(Optional.empty()), SECCOMP)
                .runAsUser()).as("unknown image: the runtime applies the image's own user").isNull();
        assertThat(SecurityContexts.sandbox(pod, SECCOMP)).isEqualTo(SandboxSecurity.DEFAULT);
    }

    @Test
    void aPrivilegedInitContainerMakesTheSandboxPrivileged() {
        Pod pod = new PodBuilder(pod(null, container(null))).editSpec().addNewInitContainer().withName("setup")
                .withImage("busybox").withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .endInitContainer().endSpec().build();
        assertThat(SecurityContexts.sandbox(pod, SECCOMP).privileged()).isTrue();
    }

    @Test
    void localhostProfilesLiveInTheNodesSeccompDirectory() throws Exception {
        Pod pod = pod(null, container(new SecurityContextBuilder().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("profiles/audit.json").endSeccompProfile().build()));
        Container c = pod.getSpec().getContainers().get(0);
        assertThat(SecurityContexts.container(pod, c, SecurityContexts.ImageUser.ROOT, SECCOMP).seccomp())
                .isEqualTo(Seccomp.localhost("/var/lib/kaji/seccomp/profiles/audit.json"));

        Pod escaping = pod(null, container(new SecurityContextBuilder().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("../../../etc/x.json").endSeccompProfile().build()));
        assertThatThrownBy(() -> SecurityContexts.container(escaping, escaping.getSpec().getContainers().get(0),
                SecurityContexts.ImageUser.ROOT, SECCOMP)).isInstanceOf(EnvResolver.ConfigError.class)
                .hasMessageContaining("leaves the node's seccomp profile directory");
        Pod unnamed = pod(new PodSecurityContextBuilder().withNewSeccompProfile().withType("Localhost")
                .endSeccompProfile().build(), container(null));
        assertThatThrownBy(() -> SecurityContexts.container(unnamed, unnamed.getSpec().getContainers().get(0),
                SecurityContexts.ImageUser.ROOT, SECCOMP)).isInstanceOf(EnvResolver.ConfigError.class)
                .hasMessage("localhostProfile must be set if seccompProfile type is Localhost.");
        assertThat(SecurityContexts.sandbox(unnamed, SECCOMP).seccomp()).as("the pause process stays unconfined")
                .isEqualTo(Seccomp.UNCONFINED);
        assertThatThrownBy(() -> SecurityContexts.container(pod, c, SecurityContexts.ImageUser.ROOT, null))
                .isInstanceOf(EnvResolver.ConfigError.class).hasMessageContaining("no seccomp profile directory");
    }

    @Test
    void runAsNonRootIsCheckedAsTheKubeletChecksIt() {
        Pod pod = pod(new PodSecurityContextBuilder().withRunAsNonRoot(true).build(), container(null));
        Container c = pod.getSpec().getContainers().get(0);
        String where = "(pod: \"web_ns(uid-1)\", container: app)";
        assertThat(SecurityContexts.runAsNonRootViolation(pod, c, image(null, "")))
                .hasValue("container has runAsNonRoot and image will run as root " + where);
        assertThat(SecurityContexts.runAsNonRootViolation(pod, c, image(0L, "")))
                .hasValue("container has runAsNonRoot and image will run as root " + where);
        assertThat(SecurityContexts.runAsNonRootViolation(pod, c, SecurityContexts.ImageUser.of(Optional.empty())))
                .as("unknown: refused, as root would be").isPresent();
        assertThat(SecurityContexts.runAsNonRootViolation(pod, c, image(null, "nobody"))).hasValue(
                "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root "
                        + where);
        assertThat(SecurityContexts.runAsNonRootViolation(pod, c, image(1000L, ""))).isEmpty();

        Pod rootUser = pod(new PodSecurityContextBuilder().withRunAsNonRoot(true).build(),
                container(new SecurityContextBuilder().withRunAsUser(0L).build()));
        assertThat(SecurityContexts.runAsNonRootViolation(rootUser, rootUser.getSpec().getContainers().get(0),
                image(1000L, ""))).hasValue("container's runAsUser breaks non-root policy " + where);
        Pod optedOut = pod(new PodSecurityContextBuilder().withRunAsNonRoot(true).build(),
                container(new SecurityContextBuilder().withRunAsNonRoot(false).build()));
        assertThat(SecurityContexts.runAsNonRootViolation(optedOut, optedOut.getSpec().getContainers().get(0),
                image(0L, ""))).as("the container's false overrides the pod's true").isEmpty();
    }

    @Test
    void appArmorComesFromTheContainerThenItsAnnotationThenThePod() throws Exception {
        Pod pod = new PodBuilder(pod(new PodSecurityContextBuilder().withNewAppArmorProfile().withType("RuntimeDefault")
                .endAppArmorProfile().build(), container(null))).editSpec()
                .addNewContainer().withName("annotated").withImage("busybox").endContainer()
                .addNewContainer().withName("own").withImage("busybox").withNewSecurityContext()
                .withNewAppArmorProfile()
                .withType("Localhost").withLocalhostProfile("k8s-own").endAppArmorProfile().endSecurityContext()
                .endContainer().endSpec().editMetadata()
                .addToAnnotations(SecurityContexts.APPARMOR_ANNOTATION + "annotated", "unconfined")
                .addToAnnotations(SecurityContexts.APPARMOR_ANNOTATION + "own", "runtime/default").endMetadata()
                .build();
        List<Container> cs = pod.getSpec().getContainers();
        assertThat(SecurityContexts.appArmor(pod, cs.get(0))).as("the pod's").hasValue(AppArmor.RUNTIME_DEFAULT);
        assertThat(SecurityContexts.appArmor(pod, cs.get(1))).as("the annotation over the pod's")
                .hasValue(AppArmor.UNCONFINED);
        assertThat(SecurityContexts.appArmor(pod, cs.get(2))).as("the container's field over its annotation")
                .hasValue(AppArmor.localhost("k8s-own"));
        assertThat(SecurityContexts.container(pod, cs.get(2), SecurityContexts.ImageUser.ROOT, SECCOMP).appArmor())
                .isEqualTo(AppArmor.localhost("k8s-own"));
        Pod none = pod(null, container(null));
        assertThat(SecurityContexts.container(none, none.getSpec().getContainers().get(0),
                SecurityContexts.ImageUser.ROOT, SECCOMP).appArmor()).as("none named: the runtime's default").isNull();
    }

    @Test
    void aPodAskingForAppArmorIsRefusedWhereTheHostCannotEnforceIt() {
        Optional<String> noAppArmor = Optional.of("AppArmor is not enabled on the host");
        Pod runtimeDefault = pod(new PodSecurityContextBuilder().withNewAppArmorProfile().withType("RuntimeDefault")
                .endAppArmorProfile().build(), container(null));
        assertThat(SecurityContexts.appArmorRejection(runtimeDefault, noAppArmor))
                .hasValue("Cannot enforce AppArmor: AppArmor is not enabled on the host");
        assertThat(SecurityContexts.appArmorRejection(runtimeDefault, Optional.empty())).isEmpty();
        Pod unconfined = pod(null, container(new SecurityContextBuilder().withNewAppArmorProfile()
                .withType("Unconfined").endAppArmorProfile().build()));
        assertThat(SecurityContexts.appArmorRejection(unconfined, noAppArmor)).as("Unconfined needs nothing").isEmpty();
        Pod annotated = new PodBuilder(pod(null, container(null))).editMetadata()
                .addToAnnotations(SecurityContexts.APPARMOR_ANNOTATION + "app", "localhost/k8s-x").endMetadata()
                .build();
        assertThat(SecurityContexts.appArmorRejection(annotated, noAppArmor)).isPresent();
        Pod emptyName = new PodBuilder(pod(null, container(null))).editMetadata()
                .addToAnnotations(SecurityContexts.APPARMOR_ANNOTATION + "app", "localhost/").endMetadata().build();
        assertThat(SecurityContexts.appArmorRejection(emptyName, Optional.empty()))
                .hasValue("Cannot enforce AppArmor: invalid empty AppArmor profile name");
        assertThat(SecurityContexts.appArmorRejection(pod(null, container(null)), noAppArmor)).isEmpty();
    }

    @Test
    void theHostEnforcesAppArmorWithTheKernelModuleAndItsParser(@org.junit.jupiter.api.io.TempDir Path root)
            throws Exception {
        assertThat(AppArmor.hostUnsupported(root)).hasValue("AppArmor is not enabled on the host");
        java.nio.file.Files.createDirectories(root.resolve("sys/kernel/security/apparmor"));
        Path enabled = root.resolve("sys/module/apparmor/parameters/enabled");
        java.nio.file.Files.createDirectories(enabled.getParent());
        java.nio.file.Files.writeString(enabled, "N\n");
        assertThat(AppArmor.hostUnsupported(root)).hasValue("AppArmor is not enabled on the host");
        java.nio.file.Files.writeString(enabled, "Y\n");
        assertThat(AppArmor.hostUnsupported(root)).hasValueSatisfying(m -> assertThat(m)
                .contains("apparmor_parser is not installed"));
        Path parser = root.resolve("usr/sbin/apparmor_parser");
        java.nio.file.Files.createDirectories(parser.getParent());
        java.nio.file.Files.writeString(parser, "#!/bin/sh\n");
        parser.toFile().setExecutable(true);
        assertThat(AppArmor.hostUnsupported(root)).isEmpty();
    }

    @Test
    void seLinuxLabelsAndTheKubeletsMaskedPaths() throws Exception {
        Pod pod = pod(new PodSecurityContextBuilder().withNewSeLinuxOptions().withType("pod_t").withLevel("s0:c1")
                .endSeLinuxOptions().build(), container(null));
        Container c = pod.getSpec().getContainers().get(0);
        ContainerSecurity s = SecurityContexts.container(pod, c, SecurityContexts.ImageUser.ROOT, SECCOMP);
        assertThat(s.seLinux()).as("the pod's").isEqualTo(new SeLinux("", "", "pod_t", "s0:c1"));
        assertThat(SecurityContexts.sandbox(pod, SECCOMP).seLinux()).isEqualTo(new SeLinux("", "", "pod_t", "s0:c1"));
        assertThat(s.maskedPaths()).contains("/proc/kcore", "/sys/firmware", "/sys/devices/virtual/powercap");
        assertThat(s.readonlyPaths()).contains("/proc/sys", "/proc/sysrq-trigger");
        Pod own = pod(pod.getSpec().getSecurityContext(), container(new SecurityContextBuilder()
                .withNewSeLinuxOptions().withType("own_t").endSeLinuxOptions().withProcMount("Unmasked").build()));
        ContainerSecurity o = SecurityContexts.container(own, own.getSpec().getContainers().get(0),
                SecurityContexts.ImageUser.ROOT, SECCOMP);
        assertThat(o.seLinux()).as("the container's over the pod's").isEqualTo(new SeLinux("", "", "own_t", ""));
        assertThat(o.maskedPaths()).as("Unmasked: the runtime's").isEmpty();
    }

    private static SecurityContexts.ImageUser image(Long uid, String username) {
        return SecurityContexts.ImageUser.of(Optional.of(new ImageInfo("sha256:1", List.of(), List.of(), 0, false,
                uid, username)));
    }

    private static Container container(io.fabric8.kubernetes.api.model.SecurityContext sc) {
        return new ContainerBuilder().withName("app").withImage("busybox").withSecurityContext(sc).build();
    }

    private static Pod pod(PodSecurityContext sc, Container c) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("ns").withUid("uid-1").endMetadata()
                .withNewSpec().withSecurityContext(sc).addToContainers(c).endSpec().build();
    }
}
