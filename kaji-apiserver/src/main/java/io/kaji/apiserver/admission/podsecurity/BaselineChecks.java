package io.kaji.apiserver.admission.podsecurity;

import static io.kaji.apiserver.admission.podsecurity.Check.since;
import static io.kaji.apiserver.admission.podsecurity.Messages.containers;
import static io.kaji.apiserver.admission.podsecurity.Messages.joinQuote;
import static io.kaji.apiserver.admission.podsecurity.Messages.pluralize;
import static io.kaji.apiserver.admission.podsecurity.PodView.isTrue;
import static io.kaji.apiserver.admission.podsecurity.PodView.name;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * The controls of the baseline level, each as the Pod Security Standards define it per version
 * (kubernetes/pod-security-admission, policy/check_*.go), with Kubernetes' reasons and details.
 */
final class BaselineChecks {

    private BaselineChecks() {
    }

    static List<Check> all() {
        return List.of(
                new Check("appArmorProfile", Level.BASELINE, List.of(since(0, BaselineChecks::appArmor))),
                new Check("capabilities_baseline", Level.BASELINE, List.of(since(0, BaselineChecks::capabilities))),
                new Check("hostNamespaces", Level.BASELINE, List.of(since(0, BaselineChecks::hostNamespaces))),
                new Check("hostPathVolumes", Level.BASELINE, List.of(since(0, BaselineChecks::hostPathVolumes))),
                new Check("hostPorts", Level.BASELINE, List.of(since(0, BaselineChecks::hostPorts))),
                new Check("hostProbesAndHostLifecycle", Level.BASELINE,
                        List.of(since(34, BaselineChecks::hostProbesAndLifecycle))),
                new Check("privileged", Level.BASELINE, List.of(since(0, BaselineChecks::privileged))),
                new Check("procMount", Level.BASELINE, List.of(since(0, BaselineChecks::procMount),
                        since(35, p -> p.userNamespace() ? null : procMount(p)))),
                new Check("seLinuxOptions", Level.BASELINE, List.of(
                        since(0, p -> seLinux(p, SELINUX_TYPES_1_0)), since(31, p -> seLinux(p, SELINUX_TYPES_1_31)))),
                new Check("seccompProfile_baseline", Level.BASELINE, List.of(
                        since(0, BaselineChecks::seccompAnnotations), since(19, BaselineChecks::seccompFields))),
                new Check("sysctls", Level.BASELINE, List.of(
                        since(0, p -> sysctls(p, SYSCTLS_1_0)), since(27, p -> sysctls(p, SYSCTLS_1_27)),
                        since(29, p -> sysctls(p, SYSCTLS_1_29)), since(32, p -> sysctls(p, SYSCTLS_1_32)),
                        since(37, p -> sysctls(p, SYSCTLS_1_37)))),
                new Check("windowsHostProcess", Level.BASELINE, List.of(since(0, BaselineChecks::windowsHostProcess))));
    }

    private static final Set<String> DEFAULT_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
            "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> SELINUX_TYPES_1_0 = Set.of("", "container_t", "container_init_t",
            "container_kvm_t");
    private static final Set<String> SELINUX_TYPES_1_31 = Set.of("", "container_t", "container_init_t",
            "container_kvm_t", "container_engine_t");
    private static final Set<String> SYSCTLS_1_0 = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start");
    private static final Set<String> SYSCTLS_1_27 = union(SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports");
    private static final Set<String> SYSCTLS_1_29 = union(SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    private static final Set<String> SYSCTLS_1_32 = union(SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem");
    private static final Set<String> SYSCTLS_1_37 = union(SYSCTLS_1_32, "net.ipv4.tcp_slow_start_after_idle",
            "net.ipv4.tcp_notsent_lowat");
    private static final String APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
    private static final String SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
    private static final String SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/";

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> out = new java.util.HashSet<>(base);
        out.addAll(List.of(more));
        return Set.copyOf(out);
    }

    static CheckResult appArmor(PodView pod) {
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        JsonNode podProfile = pod.podSecurity().path("appArmorProfile");
        if (podProfile.isObject() && !allowedAppArmorType(podProfile.path("type").asString(""))) {
            setters.add("pod");
            badValues.add(podProfile.path("type").asString(""));
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            JsonNode profile = c.path("securityContext").path("appArmorProfile");
            if (profile.isObject() && !allowedAppArmorType(profile.path("type").asString(""))) {
                bad.add(name(c));
                badValues.add(profile.path("type").asString(""));
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        List<String> values = new ArrayList<>(badValues);
        List<String> annotations = new ArrayList<>();
        for (Map.Entry<String, String> a : pod.annotations().entrySet()) {
            String v = a.getValue();
            if (a.getKey().startsWith(APPARMOR_ANNOTATION_PREFIX)
                    && !(v.isEmpty() || v.equals("runtime/default") || v.startsWith("localhost/"))) {
                annotations.add(a.getKey() + "=\"" + v + "\"");
            }
        }
        if (!annotations.isEmpty()) {
            values.addAll(annotations);
            setters.add(pluralize("annotation", "annotations", annotations.size()));
        }
        if (setters.isEmpty()) {
            return null;
        }
        return new CheckResult(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.size()),
                String.join(" and ", setters) + " must not set AppArmor profile type to " + joinQuote(values));
    }

    private static boolean allowedAppArmorType(String type) {
        return type.equals("RuntimeDefault") || type.equals("Localhost");
    }

    static CheckResult capabilities(PodView pod) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> caps = new TreeSet<>();
        for (JsonNode c : pod.containers()) {
            boolean valid = true;
            for (JsonNode cap : c.path("securityContext").path("capabilities").path("add")) {
                if (!DEFAULT_CAPABILITIES.contains(cap.asString(""))) {
                    valid = false;
                    caps.add(cap.asString(""));
                }
            }
            if (!valid) {
                bad.add(name(c));
            }
        }
        if (bad.isEmpty()) {
            return null;
        }
        return new CheckResult("non-default capabilities", containers(bad) + " must not include " + joinQuote(caps)
                + " in securityContext.capabilities.add");
    }

    static CheckResult hostNamespaces(PodView pod) {
        List<String> used = new ArrayList<>();
        for (String field : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (isTrue(pod.spec().path(field))) {
                used.add(field + "=true");
            }
        }
        return used.isEmpty() ? null : new CheckResult("host namespaces", String.join(", ", used));
    }

    static CheckResult hostPathVolumes(PodView pod) {
        List<String> volumes = new ArrayList<>();
        for (JsonNode v : pod.spec().path("volumes")) {
            if (v.has("hostPath") && !v.get("hostPath").isNull()) {
                volumes.add(v.path("name").asString(""));
            }
        }
        if (volumes.isEmpty()) {
            return null;
        }
        return new CheckResult("hostPath volumes",
                pluralize("volume", "volumes", volumes.size()) + " " + joinQuote(volumes));
    }

    static CheckResult hostPorts(PodView pod) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> ports = new TreeSet<>();
        for (JsonNode c : pod.containers()) {
            boolean valid = true;
            for (JsonNode p : c.path("ports")) {
                long hostPort = p.path("hostPort").asLong(0);
                if (hostPort != 0) {
                    valid = false;
                    ports.add(Long.toString(hostPort));
                }
            }
            if (!valid) {
                bad.add(name(c));
            }
        }
        if (bad.isEmpty()) {
            return null;
        }
        return new CheckResult("hostPort", containers(bad) + " " + pluralize("uses", "use", bad.size()) + " "
                + pluralize("hostPort", "hostPorts", ports.size()) + " " + String.join(", ", ports));
    }

    static CheckResult hostProbesAndLifecycle(PodView pod) {
        TreeSet<String> bad = new TreeSet<>();
        TreeSet<String> hosts = new TreeSet<>();
        for (JsonNode c : pod.containers()) {
            List<JsonNode> handlers = List.of(c.path("livenessProbe"), c.path("readinessProbe"),
                    c.path("startupProbe"), c.path("lifecycle").path("postStart"), c.path("lifecycle").path("preStop"));
            for (JsonNode h : handlers) {
                for (String action : List.of("httpGet", "tcpSocket")) {
                    String host = h.path(action).path("host").asString("");
                    if (!host.isEmpty()) {
                        bad.add(name(c));
                        hosts.add(host);
                    }
                }
            }
        }
        if (bad.isEmpty()) {
            return null;
        }
        return new CheckResult("probe or lifecycle host", containers(List.copyOf(bad)) + " "
                + pluralize("uses", "use", bad.size()) + " "
                + pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.size()) + " "
                + joinQuote(hosts));
    }

    static CheckResult privileged(PodView pod) {
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            if (isTrue(c.path("securityContext").path("privileged"))) {
                bad.add(name(c));
            }
        }
        return bad.isEmpty() ? null
                : new CheckResult("privileged", containers(bad) + " must not set securityContext.privileged=true");
    }

    static CheckResult procMount(PodView pod) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> types = new TreeSet<>();
        for (JsonNode c : pod.containers()) {
            JsonNode pm = c.path("securityContext").path("procMount");
            if (pm.isString() && !pm.asString().equals("Default")) {
                bad.add(name(c));
                types.add(pm.asString());
            }
        }
        return bad.isEmpty() ? null : new CheckResult("procMount",
                containers(bad) + " must not set securityContext.procMount to " + joinQuote(types));
    }

    static CheckResult seLinux(PodView pod, Set<String> allowedTypes) {
        TreeSet<String> badTypes = new TreeSet<>();
        boolean[] setUserRole = new boolean[2];
        List<String> setters = new ArrayList<>();
        if (pod.podSecurity().path("seLinuxOptions").isObject()
                && !validSeLinux(pod.podSecurity().path("seLinuxOptions"), allowedTypes, badTypes, setUserRole)) {
            setters.add("pod");
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            JsonNode opts = c.path("securityContext").path("seLinuxOptions");
            if (opts.isObject() && !validSeLinux(opts, allowedTypes, badTypes, setUserRole)) {
                bad.add(name(c));
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        if (setters.isEmpty()) {
            return null;
        }
        List<String> data = new ArrayList<>();
        if (!badTypes.isEmpty()) {
            data.add(pluralize("type", "types", badTypes.size()) + " " + joinQuote(badTypes));
        }
        if (setUserRole[0]) {
            data.add("user may not be set");
        }
        if (setUserRole[1]) {
            data.add("role may not be set");
        }
        return new CheckResult("seLinuxOptions", String.join(" and ", setters)
                + " set forbidden securityContext.seLinuxOptions: " + String.join("; ", data));
    }

    private static boolean validSeLinux(JsonNode opts, Set<String> allowedTypes, Set<String> badTypes,
            boolean[] setUserRole) {
        boolean valid = true;
        String type = opts.path("type").asString("");
        if (!allowedTypes.contains(type)) {
            valid = false;
            badTypes.add(type);
        }
        if (!opts.path("user").asString("").isEmpty()) {
            valid = false;
            setUserRole[0] = true;
        }
        if (!opts.path("role").asString("").isEmpty()) {
            valid = false;
            setUserRole[1] = true;
        }
        return valid;
    }

    /** Before v1.19 seccomp was set by annotations only. */
    static CheckResult seccompAnnotations(PodView pod) {
        TreeSet<String> forbidden = new TreeSet<>();
        Map<String, String> annotations = pod.annotations();
        String podValue = annotations.get(SECCOMP_POD_ANNOTATION);
        if (podValue != null && !validSeccompAnnotation(podValue)) {
            forbidden.add(SECCOMP_POD_ANNOTATION + "=\"" + podValue + "\"");
        }
        for (JsonNode c : pod.containers()) {
            String key = SECCOMP_CONTAINER_ANNOTATION + name(c);
            String v = annotations.get(key);
            if (v != null && !validSeccompAnnotation(v)) {
                forbidden.add(key + "=\"" + v + "\"");
            }
        }
        return forbidden.isEmpty() ? null : new CheckResult("seccompProfile", "forbidden "
                + pluralize("annotation", "annotations", forbidden.size()) + " " + String.join(", ", forbidden));
    }

    private static boolean validSeccompAnnotation(String v) {
        return v.equals("runtime/default") || v.equals("docker/default") || v.startsWith("localhost/");
    }

    static boolean validSeccompType(String type) {
        return type.equals("Localhost") || type.equals("RuntimeDefault");
    }

    static CheckResult seccompFields(PodView pod) {
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        JsonNode podProfile = pod.podSecurity().path("seccompProfile");
        if (podProfile.isObject() && !validSeccompType(podProfile.path("type").asString(""))) {
            setters.add("pod");
            badValues.add(podProfile.path("type").asString(""));
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            JsonNode profile = c.path("securityContext").path("seccompProfile");
            if (profile.isObject() && !validSeccompType(profile.path("type").asString(""))) {
                bad.add(name(c));
                badValues.add(profile.path("type").asString(""));
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        return setters.isEmpty() ? null : new CheckResult("seccompProfile", String.join(" and ", setters)
                + " must not set securityContext.seccompProfile.type to " + joinQuote(badValues));
    }

    static CheckResult sysctls(PodView pod, Set<String> allowed) {
        List<String> forbidden = new ArrayList<>();
        for (JsonNode s : pod.podSecurity().path("sysctls")) {
            String name = s.path("name").asString("");
            if (!allowed.contains(name)) {
                forbidden.add(name);
            }
        }
        return forbidden.isEmpty() ? null : new CheckResult("forbidden sysctls", String.join(", ", forbidden));
    }

    static CheckResult windowsHostProcess(PodView pod) {
        List<String> setters = new ArrayList<>();
        if (isTrue(pod.podSecurity().path("windowsOptions").path("hostProcess"))) {
            setters.add("pod");
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            if (isTrue(c.path("securityContext").path("windowsOptions").path("hostProcess"))) {
                bad.add(name(c));
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        return setters.isEmpty() ? null : new CheckResult("hostProcess", String.join(" and ", setters)
                + " must not set securityContext.windowsOptions.hostProcess=true");
    }
}
