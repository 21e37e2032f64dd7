package io.kaji.apiserver.admission.podsecurity;

import static io.kaji.apiserver.admission.podsecurity.Check.since;
import static io.kaji.apiserver.admission.podsecurity.Messages.containers;
import static io.kaji.apiserver.admission.podsecurity.Messages.joinQuote;
import static io.kaji.apiserver.admission.podsecurity.Messages.pluralize;
import static io.kaji.apiserver.admission.podsecurity.PodView.isFalse;
import static io.kaji.apiserver.admission.podsecurity.PodView.isTrue;
import static io.kaji.apiserver.admission.podsecurity.PodView.name;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * The controls the restricted level adds, per version, some replacing a baseline control (the restricted volume
 * list replaces the hostPath check, for example) as kubernetes/pod-security-admission defines them.
 */
final class RestrictedChecks {

    private RestrictedChecks() {
    }

    static List<Check> all() {
        return List.of(
                new Check("allowPrivilegeEscalation", Level.RESTRICTED, List.of(
                        since(8, RestrictedChecks::allowPrivilegeEscalation),
                        since(25, p -> p.windows() ? null : allowPrivilegeEscalation(p)))),
                new Check("capabilities_restricted", Level.RESTRICTED, List.of(
                        since(22, RestrictedChecks::capabilities, "capabilities_baseline"),
                        since(25, p -> p.windows() ? null : capabilities(p), "capabilities_baseline"))),
                new Check("procMount_restricted", Level.RESTRICTED, List.of(
                        since(35, BaselineChecks::procMount, "procMount"))),
                new Check("restrictedVolumes", Level.RESTRICTED, List.of(
                        since(0, RestrictedChecks::volumes, "hostPathVolumes"))),
                new Check("runAsNonRoot", Level.RESTRICTED, List.of(
                        since(0, RestrictedChecks::runAsNonRoot),
                        since(35, p -> p.userNamespace() ? null : runAsNonRoot(p)))),
                new Check("runAsUser", Level.RESTRICTED, List.of(
                        since(23, RestrictedChecks::runAsUser),
                        since(35, p -> p.userNamespace() ? null : runAsUser(p)))),
                new Check("seccompProfile_restricted", Level.RESTRICTED, List.of(
                        since(19, RestrictedChecks::seccomp, "seccompProfile_baseline"),
                        since(25, p -> p.windows() ? null : seccomp(p), "seccompProfile_baseline"))));
    }

    private static final Set<String> ALLOWED_VOLUME_SOURCES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "image", "persistentVolumeClaim", "projected", "secret");
    /** The other volume sources, in the order Kubernetes tests for them. */
    private static final List<String> RESTRICTED_VOLUME_SOURCES = List.of("hostPath", "gcePersistentDisk",
            "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs",
            "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
            "portworxVolume", "scaleIO", "storageos");

    static CheckResult allowPrivilegeEscalation(PodView pod) {
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            if (!isFalse(c.path("securityContext").path("allowPrivilegeEscalation"))) {
                bad.add(name(c));
            }
        }
        return bad.isEmpty() ? null : new CheckResult("allowPrivilegeEscalation != false",
                containers(bad) + " must set securityContext.allowPrivilegeEscalation=false");
    }

    static CheckResult capabilities(PodView pod) {
        List<String> missingDropAll = new ArrayList<>();
        List<String> adding = new ArrayList<>();
        TreeSet<String> forbidden = new TreeSet<>();
        for (JsonNode c : pod.containers()) {
            JsonNode caps = c.path("securityContext").path("capabilities");
            if (!caps.isObject()) {
                missingDropAll.add(name(c));
                continue;
            }
            boolean droppedAll = false;
            for (JsonNode d : caps.path("drop")) {
                droppedAll |= d.asString("").equals("ALL");
            }
            if (!droppedAll) {
                missingDropAll.add(name(c));
            }
            boolean addedForbidden = false;
            for (JsonNode a : caps.path("add")) {
                if (!a.asString("").equals("NET_BIND_SERVICE")) {
                    addedForbidden = true;
                    forbidden.add(a.asString(""));
                }
            }
            if (addedForbidden) {
                adding.add(name(c));
            }
        }
        List<String> details = new ArrayList<>();
        if (!missingDropAll.isEmpty()) {
            details.add(containers(missingDropAll) + " must set securityContext.capabilities.drop=[\"ALL\"]");
        }
        if (!adding.isEmpty()) {
            details.add(containers(adding) + " must not include " + joinQuote(forbidden)
                    + " in securityContext.capabilities.add");
        }
        return details.isEmpty() ? null : new CheckResult("unrestricted capabilities", String.join("; ", details));
    }

    static CheckResult volumes(PodView pod) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> types = new TreeSet<>();
        for (JsonNode v : pod.spec().path("volumes")) {
            boolean allowed = false;
            for (String source : ALLOWED_VOLUME_SOURCES) {
                allowed |= present(v, source);
            }
            if (allowed) {
                continue;
            }
            bad.add(v.path("name").asString(""));
            String type = "unknown";
            for (String source : RESTRICTED_VOLUME_SOURCES) {
                if (present(v, source)) {
                    type = source;
                    break;
                }
            }
            types.add(type);
        }
        if (bad.isEmpty()) {
            return null;
        }
        return new CheckResult("restricted volume types", pluralize("volume", "volumes", bad.size()) + " "
                + joinQuote(bad) + " " + pluralize("uses", "use", bad.size()) + " "
                + pluralize("restricted volume type", "restricted volume types", types.size()) + " "
                + joinQuote(types));
    }

    private static boolean present(JsonNode volume, String field) {
        return volume.has(field) && !volume.get(field).isNull();
    }

    static CheckResult runAsNonRoot(PodView pod) {
        List<String> setters = new ArrayList<>();
        JsonNode podValue = pod.podSecurity().path("runAsNonRoot");
        boolean podNonRoot = isTrue(podValue);
        if (isFalse(podValue)) {
            setters.add("pod");
        }
        List<String> explicit = new ArrayList<>();
        List<String> implicit = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            JsonNode value = c.path("securityContext").path("runAsNonRoot");
            if (value.isBoolean()) {
                if (!value.booleanValue()) {
                    explicit.add(name(c));
                }
            } else if (!podNonRoot) {
                implicit.add(name(c));
            }
        }
        if (!explicit.isEmpty()) {
            setters.add(containers(explicit));
        }
        if (!setters.isEmpty()) {
            return new CheckResult("runAsNonRoot != true",
                    String.join(" and ", setters) + " must not set securityContext.runAsNonRoot=false");
        }
        if (!implicit.isEmpty()) {
            return new CheckResult("runAsNonRoot != true",
                    "pod or " + containers(implicit) + " must set securityContext.runAsNonRoot=true");
        }
        return null;
    }

    static CheckResult runAsUser(PodView pod) {
        List<String> setters = new ArrayList<>();
        if (isRoot(pod.podSecurity().path("runAsUser"))) {
            setters.add("pod");
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            if (isRoot(c.path("securityContext").path("runAsUser"))) {
                bad.add(name(c));
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        return setters.isEmpty() ? null
                : new CheckResult("runAsUser=0", String.join(" and ", setters) + " must not set runAsUser=0");
    }

    private static boolean isRoot(JsonNode uid) {
        return uid.isNumber() && uid.asLong() == 0;
    }

    static CheckResult seccomp(PodView pod) {
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        boolean podSet = false;
        JsonNode podProfile = pod.podSecurity().path("seccompProfile");
        if (podProfile.isObject()) {
            if (!BaselineChecks.validSeccompType(podProfile.path("type").asString(""))) {
                setters.add("pod");
                badValues.add(podProfile.path("type").asString(""));
            } else {
                podSet = true;
            }
        }
        List<String> explicit = new ArrayList<>();
        List<String> implicit = new ArrayList<>();
        for (JsonNode c : pod.containers()) {
            JsonNode profile = c.path("securityContext").path("seccompProfile");
            if (profile.isObject()) {
                if (!BaselineChecks.validSeccompType(profile.path("type").asString(""))) {
                    explicit.add(name(c));
                    badValues.add(profile.path("type").asString(""));
                }
            } else if (!podSet) {
                implicit.add(name(c));
            }
        }
        if (!explicit.isEmpty()) {
            setters.add(containers(explicit));
        }
        if (!setters.isEmpty()) {
            return new CheckResult("seccompProfile", String.join(" and ", setters)
                    + " must not set securityContext.seccompProfile.type to " + joinQuote(badValues));
        }
        if (!implicit.isEmpty()) {
            return new CheckResult("seccompProfile", "pod or " + containers(implicit)
                    + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
        }
        return null;
    }
}
