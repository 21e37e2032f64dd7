package io.kaji.apiserver.admission.podsecurity;

import io.kaji.apiserver.errors.StatusCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Pod Security policy of one namespace: the level and version each mode (enforce, audit, warn) checks, from
 * the namespace's {@code pod-security.kubernetes.io/<mode>[-version]} labels over the server's defaults.
 */
public record NamespacePolicy(LevelVersion enforce, LevelVersion audit, LevelVersion warn) {

    public static final String LABEL_PREFIX = "pod-security.kubernetes.io/";
    static final String ENFORCE = LABEL_PREFIX + "enforce";
    static final String AUDIT = LABEL_PREFIX + "audit";
    static final String WARN = LABEL_PREFIX + "warn";
    private static final String LEVELS_MESSAGE = "must be one of privileged, baseline, restricted";
    private static final String VERSION_MESSAGE = "must be \"latest\" or \"v1.x\"";

    /** Nothing checked: Kubernetes' own default when no admission configuration is given. */
    public static final NamespacePolicy PRIVILEGED = new NamespacePolicy(LevelVersion.latest(Level.PRIVILEGED),
            LevelVersion.latest(Level.PRIVILEGED), LevelVersion.latest(Level.PRIVILEGED));

    public NamespacePolicy {
        Objects.requireNonNull(enforce, "enforce");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(warn, "warn");
    }

    /**
     * The policy and any label errors.
     *
     * @param policy always usable, even with errors: a bad enforce level means restricted, a bad audit or warn
     *               level privileged (fail closed for enforce, open for the others, as Kubernetes does)
     * @param errors one Invalid cause per bad label, empty when all are valid
     */
    public record Parsed(NamespacePolicy policy, List<StatusCause> errors) {
        public Parsed {
            errors = List.copyOf(errors);
        }
    }

    /** True when no mode checks anything. */
    public boolean fullyPrivileged() {
        return enforce.level() == Level.PRIVILEGED && audit.level() == Level.PRIVILEGED
                && warn.level() == Level.PRIVILEGED;
    }

    /**
     * The policy a namespace with {@code labels} gets over {@code defaults}. As in Kubernetes, setting only an
     * enforce level stricter than the default warn level raises warn to it.
     */
    public static Parsed fromLabels(Map<String, String> labels, NamespacePolicy defaults) {
        List<StatusCause> errors = new ArrayList<>();
        Mode enforce = Mode.read(labels, ENFORCE, defaults.enforce, Level.RESTRICTED, errors);
        Mode audit = Mode.read(labels, AUDIT, defaults.audit, Level.PRIVILEGED, errors);
        Mode warn = Mode.read(labels, WARN, defaults.warn, Level.PRIVILEGED, errors);
        LevelVersion warnLv = warn.value;
        if (!warn.levelSet && enforce.levelValid && enforce.value.level().compareTo(warnLv.level()) > 0) {
            warnLv = new LevelVersion(enforce.value.level(), warn.versionSet ? warnLv.version() : enforce.value.version());
        }
        return new Parsed(new NamespacePolicy(enforce.value, audit.value, warnLv), errors);
    }

    private record Mode(LevelVersion value, boolean levelSet, boolean levelValid, boolean versionSet) {
        static Mode read(Map<String, String> labels, String label, LevelVersion fallback, Level onError,
                List<StatusCause> errors) {
            Level level = fallback.level();
            StandardVersion version = fallback.version();
            boolean levelSet = labels.containsKey(label);
            boolean levelValid = false;
            if (levelSet) {
                String value = labels.get(label);
                level = Level.parse(value);
                levelValid = level != null;
                if (level == null) {
                    level = onError;
                    errors.add(StatusCause.invalid("metadata.labels[" + label + "]", value, LEVELS_MESSAGE));
                }
            }
            String versionLabel = label + "-version";
            boolean versionSet = labels.containsKey(versionLabel);
            if (versionSet) {
                String value = labels.get(versionLabel);
                version = StandardVersion.parse(value);
                if (version == null) {
                    version = StandardVersion.LATEST;
                    errors.add(StatusCause.invalid("metadata.labels[" + versionLabel + "]", value, VERSION_MESSAGE));
                }
            }
            return new Mode(new LevelVersion(level, version), levelSet, levelValid, versionSet);
        }
    }

    /**
     * Parses the server option {@code enforce=baseline,warn=restricted[,audit=...][,enforce-version=v1.30]}; modes
     * left out are privileged (nothing checked).
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    public static NamespacePolicy parseDefaults(String spec) {
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq).trim();
            if (eq < 0 || !List.of("enforce", "audit", "warn", "enforce-version", "audit-version", "warn-version")
                    .contains(key)) {
                throw new IllegalArgumentException("pod security default \"" + p + "\": expected "
                        + "enforce|audit|warn[-version]=VALUE, e.g. enforce=baseline,warn=restricted");
            }
            labels.put(LABEL_PREFIX + key, p.substring(eq + 1).trim());
        }
        Parsed parsed = fromLabels(labels, PRIVILEGED);
        if (!parsed.errors().isEmpty()) {
            throw new IllegalArgumentException("pod security defaults \"" + spec + "\": "
                    + parsed.errors().get(0).describe().replace("metadata.labels[" + LABEL_PREFIX, "").replace("]:", ":"));
        }
        return parsed.policy();
    }
}
