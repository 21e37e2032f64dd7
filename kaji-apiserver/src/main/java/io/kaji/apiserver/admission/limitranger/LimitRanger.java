package io.kaji.apiserver.admission.limitranger;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.MutatingPlugin;
import io.kaji.apiserver.admission.Quantities;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ContainerLists;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The LimitRanger admission plugin, for pods on creation, from the namespace's LimitRange objects as Kubernetes
 * applies them:
 * <ul>
 *   <li>mutating: containers without a request or limit get the {@code Container} item's {@code defaultRequest}
 *       and {@code default} (LimitRange defaulting: default falls back to max, defaultRequest to default), noted
 *       in the {@code kubernetes.io/limit-ranger} annotation;</li>
 *   <li>validating: {@code min}, {@code max} and {@code maxLimitRequestRatio} per {@code Container} and per
 *       {@code Pod} (containers summed, init containers as their maximum), denied with Kubernetes' messages, e.g.
 *       {@code pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2.}</li>
 * </ul>
 */
public final class LimitRanger implements MutatingPlugin, ValidatingPlugin {

    public static final String NAME = "LimitRanger";
    static final String ANNOTATION = "kubernetes.io/limit-ranger";

    private final ClusterObjects objects;

    public LimitRanger(ClusterObjects objects) {
        this.objects = objects;
    }

    @Override
    public String name() {
        return NAME;
    }

    private boolean applies(AdmissionAttributes a) {
        return a.operation() == Operation.CREATE && a.isMain("", "pods") && a.object() != null;
    }

    private List<JsonNode> items(String namespace, String type) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode range : objects.listFew("", "limitranges", namespace)) {
            for (JsonNode item : range.path("spec").path("limits")) {
                if (type.equals(item.path("type").asString(""))) {
                    out.add(item);
                }
            }
        }
        return out;
    }

    @Override
    public Verdict admit(AdmissionAttributes a) {
        if (!applies(a)) {
            return Verdict.allowed();
        }
        Map<String, String> defaultLimits = new TreeMap<>();
        Map<String, String> defaultRequests = new TreeMap<>();
        for (JsonNode item : items(a.namespace(), "Container")) {
            // LimitRange defaulting: default := max, defaultRequest := default, where unset.
            Map<String, String> limits = Quantities.list(item.path("max"));
            limits.putAll(Quantities.list(item.path("default")));
            Map<String, String> requests = new TreeMap<>(limits);
            requests.putAll(Quantities.list(item.path("defaultRequest")));
            defaultLimits.putAll(limits);
            defaultRequests.putAll(requests);
        }
        if (defaultLimits.isEmpty() && defaultRequests.isEmpty()) {
            return Verdict.allowed();
        }
        List<String> notes = new ArrayList<>();
        ObjectNode spec = a.object().withObject("spec");
        merge(spec.path("containers"), "container", defaultRequests, defaultLimits, notes);
        merge(spec.path("initContainers"), "init container", defaultRequests, defaultLimits, notes);
        if (!notes.isEmpty()) {
            a.object().withObject("metadata").withObject("annotations").put(ANNOTATION,
                    "LimitRanger plugin set: " + String.join("; ", notes));
        }
        return Verdict.allowed();
    }

    private static void merge(JsonNode containers, String what, Map<String, String> requests,
            Map<String, String> limits, List<String> notes) {
        for (JsonNode c : containers) {
            if (!(c instanceof ObjectNode container)) {
                continue;
            }
            ObjectNode resources = container.withObject("resources");
            ObjectNode lim = resources.withObject("limits");
            ObjectNode req = resources.withObject("requests");
            // API defaulting, which runs before admission in Kubernetes: a limit without a request is the request.
            lim.properties().forEach(e -> {
                if (!req.has(e.getKey())) {
                    req.set(e.getKey(), e.getValue());
                }
            });
            List<String> setLimits = new ArrayList<>();
            limits.forEach((k, v) -> {
                if (!lim.has(k)) {
                    lim.put(k, v);
                    setLimits.add(k);
                }
            });
            List<String> setRequests = new ArrayList<>();
            requests.forEach((k, v) -> {
                if (!req.has(k)) {
                    req.put(k, v);
                    setRequests.add(k);
                }
            });
            String name = container.path("name").asString("");
            if (!setRequests.isEmpty()) {
                notes.add(String.join(", ", setRequests) + " request for " + what + " " + name);
            }
            if (!setLimits.isEmpty()) {
                notes.add(String.join(", ", setLimits) + " limit for " + what + " " + name);
            }
        }
    }

    @Override
    public Verdict validate(AdmissionAttributes a) {
        if (!applies(a)) {
            return Verdict.allowed();
        }
        List<String> errors = new ArrayList<>();
        JsonNode spec = a.object().path("spec");
        for (JsonNode item : items(a.namespace(), "Container")) {
            for (String field : ContainerLists.REGULAR_AND_INIT) {
                for (JsonNode c : spec.path(field)) {
                    check("Container", item, Quantities.list(c.path("resources").path("requests")),
                            Quantities.list(c.path("resources").path("limits")), errors);
                }
            }
        }
        List<JsonNode> podItems = items(a.namespace(), "Pod");
        if (!podItems.isEmpty()) {
            Map<String, String> requests = podTotal(spec, "requests");
            Map<String, String> limits = podTotal(spec, "limits");
            for (JsonNode item : podItems) {
                check("Pod", item, requests, limits, errors);
            }
        }
        if (errors.isEmpty()) {
            return Verdict.allowed();
        }
        String why = errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]";
        return Verdict.denied(ApiException.forbidden(a.resource(), a.group(), a.name(), why));
    }

    /** A pod's total: containers summed (only resources every container sets), then the larger of any init container. */
    private static Map<String, String> podTotal(JsonNode spec, String kind) {
        Map<String, BigDecimal> sum = new TreeMap<>();
        List<Map<String, String>> lists = new ArrayList<>();
        for (JsonNode c : spec.path("containers")) {
            lists.add(Quantities.list(c.path("resources").path(kind)));
        }
        if (!lists.isEmpty()) {
            for (String key : lists.getFirst().keySet()) {
                if (lists.stream().allMatch(l -> l.containsKey(key))) {
                    sum.put(key, lists.stream().map(l -> Quantities.amount(l.get(key)))
                            .reduce(BigDecimal.ZERO, BigDecimal::add));
                }
            }
        }
        for (JsonNode c : spec.path("initContainers")) {
            Quantities.list(c.path("resources").path(kind)).forEach((k, v) -> {
                BigDecimal amount = Quantities.amount(v);
                sum.merge(k, amount, BigDecimal::max);
            });
        }
        Map<String, String> out = new TreeMap<>();
        sum.forEach((k, v) -> out.put(k, Quantities.format(v)));
        return out;
    }

    private static void check(String type, JsonNode item, Map<String, String> requests, Map<String, String> limits,
            List<String> errors) {
        Quantities.list(item.path("min")).forEach((res, min) -> {
            String req = requests.get(res);
            String lim = limits.get(res);
            BigDecimal enforced = Quantities.amount(min);
            if (req == null) {
                errors.add("minimum " + res + " usage per " + type + " is " + min + ".  No request is specified.");
            } else if (Quantities.amount(req).compareTo(enforced) < 0) {
                errors.add("minimum " + res + " usage per " + type + " is " + min + ", but request is " + req + ".");
            } else if (lim != null && Quantities.amount(lim).compareTo(enforced) < 0) {
                errors.add("minimum " + res + " usage per " + type + " is " + min + ", but limit is " + lim + ".");
            }
        });
        Quantities.list(item.path("max")).forEach((res, max) -> {
            String req = requests.get(res);
            String lim = limits.get(res);
            BigDecimal enforced = Quantities.amount(max);
            if (lim == null) {
                errors.add("maximum " + res + " usage per " + type + " is " + max + ".  No limit is specified.");
            } else if (Quantities.amount(lim).compareTo(enforced) > 0) {
                errors.add("maximum " + res + " usage per " + type + " is " + max + ", but limit is " + lim + ".");
            } else if (req != null && Quantities.amount(req).compareTo(enforced) > 0) {
                errors.add("maximum " + res + " usage per " + type + " is " + max + ", but request is " + req + ".");
            }
        });
        Quantities.list(item.path("maxLimitRequestRatio")).forEach((res, ratio) -> {
            String req = requests.get(res);
            String lim = limits.get(res);
            String prefix = res + " max limit to request ratio per " + type + " is " + ratio;
            if (req == null || Quantities.amount(req).signum() == 0) {
                errors.add(prefix + ", but no request is specified or request is 0.");
            } else if (lim == null || Quantities.amount(lim).signum() == 0) {
                errors.add(prefix + ", but no limit is specified or limit is 0.");
            } else {
                BigDecimal observed = Quantities.amount(lim).divide(Quantities.amount(req), 9, RoundingMode.HALF_UP);
                if (observed.compareTo(Quantities.amount(ratio)) > 0) {
                    errors.add(prefix + ", but provided ratio is " + String.format(Locale.ROOT, "%f",
                            observed.doubleValue()) + ".");
                }
            }
        });
    }
}
