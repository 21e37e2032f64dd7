package io.kaji.support.assess;

import static io.kaji.support.assess.Severity.HIGH;
import static io.kaji.support.assess.Severity.MEDIUM;

import io.fabric8.kubernetes.api.model.AppArmorProfile;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.WindowsSecurityContextOptions;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The Pod Security Standards, every control of the baseline and restricted profiles as one check each, judged on
 * every workload's pod spec as Kubernetes' Pod Security admission judges a pod (container, init and ephemeral
 * containers; Windows pods exempt from the Linux-only restricted controls).
 */
final class PssChecks {

    static final String BASELINE = "PSS.B Pod Security Standards: baseline";
    static final String RESTRICTED = "PSS.R Pod Security Standards: restricted";

    /** Capabilities baseline allows adding (the container runtimes' default set). */
    static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
            "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

    /** Sysctls baseline allows (namespaced and isolated from the node), as of Kubernetes 1.32. */
    static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");

    static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t",
            "container_engine_t");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private PssChecks() {
    }

    static List<Check> all() {
        List<Check> out = new ArrayList<>();
        out.add(check("pss-baseline-host-process", "Windows HostProcess containers are disallowed", BASELINE, HIGH,
                "Remove securityContext.windowsOptions.hostProcess: true.", PssChecks::hostProcess));
        out.add(check("pss-baseline-host-namespaces", "Sharing the host namespaces is disallowed", BASELINE, HIGH,
                "Remove hostNetwork, hostPID and hostIPC from the pod spec.", PssChecks::hostNamespaces));
        out.add(check("pss-baseline-privileged", "Privileged containers are disallowed", BASELINE, HIGH,
                "Remove securityContext.privileged: true.",
                containers((w, c) -> SecurityFields.isTrue(c.sc().getPrivileged())
                        ? fail(w, c, "runs privileged", c.path() + ".securityContext.privileged=true") : null)));
        out.add(check("pss-baseline-capabilities", "Adding capabilities beyond the default set is disallowed", BASELINE,
                HIGH, "Add only capabilities of the runtime's default set (e.g. NET_BIND_SERVICE, CHOWN); drop others.",
                containers((w, c) -> {
                    List<String> extra = SecurityFields.added(c).stream()
                            .filter(cap -> !BASELINE_CAPABILITIES.contains(cap)).toList();
                    return extra.isEmpty() ? null : fail(w, c, "adds capabilities outside the default set: "
                            + String.join(", ", extra), c.path() + ".securityContext.capabilities.add="
                            + SecurityFields.added(c));
                })));
        out.add(check("pss-baseline-host-path", "HostPath volumes are forbidden", BASELINE, HIGH,
                "Replace hostPath volumes with persistent volume claims or ephemeral volumes.", w -> {
                    List<Finding> found = new ArrayList<>();
                    for (Volume v : Workload.nonNull(w.spec().getVolumes())) {
                        if (v.getHostPath() != null) {
                            found.add(Finding.fail(w.ref(), "volume " + v.getName(), "uses a hostPath volume",
                                    w.specPath() + ".volumes[" + v.getName() + "].hostPath.path="
                                            + v.getHostPath().getPath()));
                        }
                    }
                    return found;
                }));
        out.add(check("pss-baseline-host-ports", "HostPorts should be disallowed", BASELINE, HIGH,
                "Remove hostPort from container ports.", containers((w, c) -> {
                    for (ContainerPort p : c.ports()) {
                        if (p.getHostPort() != null && p.getHostPort() != 0) {
                            return fail(w, c, "uses host port " + p.getHostPort(),
                                    c.path() + ".ports[" + p.getContainerPort() + "].hostPort=" + p.getHostPort());
                        }
                    }
                    return null;
                })));
        out.add(check("pss-baseline-apparmor", "Overriding the default AppArmor profile is disallowed", BASELINE,
                HIGH, "Remove appArmorProfile type Unconfined (and unconfined AppArmor annotations); use "
                        + "RuntimeDefault or a Localhost profile.", PssChecks::appArmor));
        out.add(check("pss-baseline-selinux", "Setting a custom SELinux user or role, or an unusual type, is "
                        + "disallowed", BASELINE, HIGH,
                "Remove seLinuxOptions.user and .role, and use one of the container_* types.", PssChecks::seLinux));
        out.add(check("pss-baseline-proc-mount", "The default /proc masks are required", BASELINE, HIGH,
                "Remove securityContext.procMount: Unmasked.", containers((w, c) ->
                        c.sc().getProcMount() != null && !c.sc().getProcMount().equals("Default")
                                ? fail(w, c, "unmasks /proc", c.path() + ".securityContext.procMount="
                                + c.sc().getProcMount()) : null)));
        out.add(check("pss-baseline-seccomp", "Seccomp profile must not be explicitly set to Unconfined", BASELINE,
                HIGH, "Set seccompProfile.type to RuntimeDefault (or Localhost) instead of Unconfined.",
                PssChecks::baselineSeccomp));
        out.add(check("pss-baseline-sysctls", "Sysctls must be limited to the safe set", BASELINE, HIGH,
                "Remove unsafe sysctls from securityContext.sysctls.", w -> {
                    List<Finding> found = new ArrayList<>();
                    for (Sysctl s : Workload.nonNull(SecurityFields.pod(w).getSysctls())) {
                        if (!SAFE_SYSCTLS.contains(s.getName())) {
                            found.add(Finding.fail(w.ref(), null, "sets the unsafe sysctl " + s.getName(),
                                    w.specPath() + ".securityContext.sysctls[" + s.getName() + "]=" + s.getValue()));
                        }
                    }
                    return found;
                }));
        out.add(check("pss-restricted-volume-types", "Only core volume types are permitted", RESTRICTED, MEDIUM,
                "Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and "
                        + "secret volumes.", PssChecks::volumeTypes));
        out.add(check("pss-restricted-privilege-escalation", "Privilege escalation must be disallowed", RESTRICTED,
                MEDIUM, "Set securityContext.allowPrivilegeEscalation: false on every container.",
                linuxContainers((w, c) -> Boolean.FALSE.equals(c.sc().getAllowPrivilegeEscalation()) ? null
                        : fail(w, c, "does not set allowPrivilegeEscalation: false", c.path()
                        + ".securityContext.allowPrivilegeEscalation="
                        + RbacChecks.unset(c.sc().getAllowPrivilegeEscalation())))));
        out.add(check("pss-restricted-run-as-non-root", "Containers must run as non-root users", RESTRICTED, MEDIUM,
                "Set securityContext.runAsNonRoot: true on the pod (or on every container).", PssChecks::runAsNonRoot));
        out.add(check("pss-restricted-run-as-user", "Containers must not set runAsUser to 0", RESTRICTED, MEDIUM,
                "Set runAsUser to a non-zero uid, or leave it unset with runAsNonRoot: true.", w -> {
                    List<Finding> found = new ArrayList<>();
                    if (Long.valueOf(0).equals(SecurityFields.pod(w).getRunAsUser())) {
                        found.add(Finding.fail(w.ref(), null, "runs as uid 0",
                                w.specPath() + ".securityContext.runAsUser=0"));
                    }
                    for (ContainerView c : w.containers()) {
                        if (Long.valueOf(0).equals(c.sc().getRunAsUser())) {
                            found.add(fail(w, c, "runs as uid 0", c.path() + ".securityContext.runAsUser=0"));
                        }
                    }
                    return found;
                }));
        out.add(check("pss-restricted-seccomp", "Seccomp profile must be RuntimeDefault or Localhost", RESTRICTED,
                MEDIUM, "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
                linuxContainers((w, c) -> {
                    String type = SecurityFields.seccompType(w, c);
                    return "RuntimeDefault".equals(type) || "Localhost".equals(type) ? null
                            : fail(w, c, "has no RuntimeDefault or Localhost seccomp profile",
                            SecurityFields.seccompPath(w, c) + "=" + RbacChecks.unset(type));
                })));
        out.add(check("pss-restricted-capabilities", "Containers must drop ALL capabilities and add only "
                        + "NET_BIND_SERVICE", RESTRICTED, MEDIUM,
                "Set securityContext.capabilities.drop: [ALL]; add back NET_BIND_SERVICE only if needed.",
                linuxContainers((w, c) -> {
                    List<String> extra = SecurityFields.added(c).stream()
                            .filter(cap -> !cap.equals("NET_BIND_SERVICE")).toList();
                    if (!extra.isEmpty()) {
                        return fail(w, c, "adds capabilities other than NET_BIND_SERVICE: " + String.join(", ", extra),
                                c.path() + ".securityContext.capabilities.add=" + SecurityFields.added(c));
                    }
                    return SecurityFields.dropped(c).contains("ALL") ? null : fail(w, c, "does not drop ALL "
                            + "capabilities", c.path() + ".securityContext.capabilities.drop="
                            + SecurityFields.dropped(c));
                })));
        return out;
    }

    private static Check check(String id, String title, String section, Severity severity, String remediation,
                               Function<Workload, List<Finding>> decide) {
        return Check.builder(id, title).section(section).severity(severity).needs(ResourceKind.WORKLOADS)
                .remediation(remediation).evaluate(ctx -> PerObject.workloads(ctx, decide));
    }

    private static Function<Workload, List<Finding>> containers(
            java.util.function.BiFunction<Workload, ContainerView, Finding> decide) {
        return w -> {
            List<Finding> out = new ArrayList<>();
            for (ContainerView c : w.containers()) {
                Finding f = decide.apply(w, c);
                if (f != null) {
                    out.add(f);
                }
            }
            return out;
        };
    }

    /** Like {@link #containers} but skipping Windows pods, which the Linux-only restricted controls exempt. */
    private static Function<Workload, List<Finding>> linuxContainers(
            java.util.function.BiFunction<Workload, ContainerView, Finding> decide) {
        Function<Workload, List<Finding>> all = containers(decide);
        return w -> windows(w) ? List.of() : all.apply(w);
    }

    static boolean windows(Workload w) {
        return w.spec().getOs() != null && "windows".equals(w.spec().getOs().getName());
    }

    private static Finding fail(Workload w, ContainerView c, String message, String evidence) {
        return PerObject.container(Status.FAIL, w, c, message, evidence);
    }

    private static List<Finding> hostProcess(Workload w) {
        List<Finding> out = new ArrayList<>();
        WindowsSecurityContextOptions pod = SecurityFields.pod(w).getWindowsOptions();
        if (pod != null && SecurityFields.isTrue(pod.getHostProcess())) {
            out.add(Finding.fail(w.ref(), null, "is a HostProcess pod",
                    w.specPath() + ".securityContext.windowsOptions.hostProcess=true"));
        }
        for (ContainerView c : w.containers()) {
            WindowsSecurityContextOptions o = c.sc().getWindowsOptions();
            if (o != null && SecurityFields.isTrue(o.getHostProcess())) {
                out.add(fail(w, c, "is a HostProcess container",
                        c.path() + ".securityContext.windowsOptions.hostProcess=true"));
            }
        }
        return out;
    }

    private static List<Finding> hostNamespaces(Workload w) {
        List<Finding> out = new ArrayList<>();
        Map<String, Boolean> fields = Map.of("hostNetwork", SecurityFields.isTrue(w.spec().getHostNetwork()),
                "hostPID", SecurityFields.isTrue(w.spec().getHostPID()),
                "hostIPC", SecurityFields.isTrue(w.spec().getHostIPC()));
        for (String field : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (fields.get(field)) {
                out.add(Finding.fail(w.ref(), null, "shares the host's " + field.substring(4) + " namespace",
                        w.specPath() + "." + field + "=true"));
            }
        }
        return out;
    }

    private static List<Finding> appArmor(Workload w) {
        List<Finding> out = new ArrayList<>();
        AppArmorProfile pod = SecurityFields.pod(w).getAppArmorProfile();
        if (pod != null && !allowedAppArmor(pod.getType())) {
            out.add(Finding.fail(w.ref(), null, "sets AppArmor profile " + pod.getType(),
                    w.specPath() + ".securityContext.appArmorProfile.type=" + pod.getType()));
        }
        for (ContainerView c : w.containers()) {
            AppArmorProfile p = c.sc().getAppArmorProfile();
            if (p != null && !allowedAppArmor(p.getType())) {
                out.add(fail(w, c, "sets AppArmor profile " + p.getType(),
                        c.path() + ".securityContext.appArmorProfile.type=" + p.getType()));
            }
        }
        String prefix = "container.apparmor.security.beta.kubernetes.io/";
        for (var e : w.podAnnotations().entrySet()) {
            String v = e.getValue() == null ? "" : e.getValue();
            if (e.getKey().startsWith(prefix) && !v.equals("runtime/default") && !v.startsWith("localhost/")) {
                out.add(Finding.fail(w.ref(), e.getKey().substring(prefix.length()), "sets AppArmor profile " + v,
                        "metadata.annotations[" + e.getKey() + "]=" + v));
            }
        }
        return out;
    }

    private static boolean allowedAppArmor(String type) {
        return type == null || type.equals("RuntimeDefault") || type.equals("Localhost");
    }

    private static List<Finding> seLinux(Workload w) {
        List<Finding> out = new ArrayList<>();
        String podProblem = seLinuxProblem(SecurityFields.pod(w).getSeLinuxOptions());
        if (podProblem != null) {
            out.add(Finding.fail(w.ref(), null, "sets " + podProblem,
                    w.specPath() + ".securityContext.seLinuxOptions." + podProblem));
        }
        for (ContainerView c : w.containers()) {
            String problem = seLinuxProblem(c.sc().getSeLinuxOptions());
            if (problem != null) {
                out.add(fail(w, c, "sets " + problem, c.path() + ".securityContext.seLinuxOptions." + problem));
            }
        }
        return out;
    }

    /** {@code field=value} of the first disallowed SELinux option, or null. */
    private static String seLinuxProblem(SELinuxOptions o) {
        if (o == null) {
            return null;
        }
        if (o.getType() != null && !SELINUX_TYPES.contains(o.getType())) {
            return "type=" + o.getType();
        }
        if (o.getUser() != null && !o.getUser().isEmpty()) {
            return "user=" + o.getUser();
        }
        if (o.getRole() != null && !o.getRole().isEmpty()) {
            return "role=" + o.getRole();
        }
        return null;
    }

    private static List<Finding> baselineSeccomp(Workload w) {
        List<Finding> out = new ArrayList<>();
        var pod = SecurityFields.pod(w).getSeccompProfile();
        if (pod != null && "Unconfined".equals(pod.getType())) {
            out.add(Finding.fail(w.ref(), null, "disables seccomp for the pod",
                    w.specPath() + ".securityContext.seccompProfile.type=Unconfined"));
        }
        for (ContainerView c : w.containers()) {
            var p = c.sc().getSeccompProfile();
            if (p != null && "Unconfined".equals(p.getType())) {
                out.add(fail(w, c, "disables seccomp", c.path() + ".securityContext.seccompProfile.type=Unconfined"));
            }
        }
        return out;
    }

    private static List<Finding> volumeTypes(Workload w) {
        List<Finding> out = new ArrayList<>();
        for (Volume v : Workload.nonNull(w.spec().getVolumes())) {
            String type = disallowedVolumeType(v);
            if (type != null) {
                out.add(Finding.fail(w.ref(), "volume " + v.getName(), "uses a " + type + " volume",
                        w.specPath() + ".volumes[" + v.getName() + "]." + type));
            }
        }
        return out;
    }

    /** The volume's source field when it is not one of the restricted profile's core types, else null. */
    private static String disallowedVolumeType(Volume v) {
        if (v.getConfigMap() != null || v.getCsi() != null || v.getDownwardAPI() != null || v.getEmptyDir() != null
                || v.getEphemeral() != null || v.getPersistentVolumeClaim() != null || v.getProjected() != null
                || v.getSecret() != null) {
            return null;
        }
        if (v.getHostPath() != null) {
            return "hostPath";
        }
        if (v.getNfs() != null) {
            return "nfs";
        }
        if (v.getIscsi() != null) {
            return "iscsi";
        }
        if (v.getGitRepo() != null) {
            return "gitRepo";
        }
        if (v.getImage() != null) {
            return "image";
        }
        // Any other in-tree source (cephfs, rbd, awsElasticBlockStore, ...): name the field that is set.
        Map<?, ?> fields = SERIALIZATION.convertValue(v, Map.class);
        return fields.keySet().stream().map(String::valueOf).filter(k -> !k.equals("name")).findFirst()
                .orElse("unknown");
    }

    private static List<Finding> runAsNonRoot(Workload w) {
        List<Finding> out = new ArrayList<>();
        Boolean pod = SecurityFields.pod(w).getRunAsNonRoot();
        for (ContainerView c : w.containers()) {
            Boolean container = c.sc().getRunAsNonRoot();
            if (Boolean.FALSE.equals(container)) {
                out.add(fail(w, c, "sets runAsNonRoot: false", c.path() + ".securityContext.runAsNonRoot=false"));
            } else if (container == null && !Boolean.TRUE.equals(pod)) {
                out.add(fail(w, c, "does not require a non-root user", c.path()
                        + ".securityContext.runAsNonRoot=<unset>, " + w.specPath() + ".securityContext.runAsNonRoot="
                        + RbacChecks.unset(pod)));
            }
        }
        return out;
    }
}
