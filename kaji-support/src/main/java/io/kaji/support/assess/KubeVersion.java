package io.kaji.support.assess;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes minor version ({@code 1.32}), as used for deprecated-API decisions.
 *
 * @param major the major version (1)
 * @param minor the minor version
 */
public record KubeVersion(int major, int minor) implements Comparable<KubeVersion> {

    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.\\d+)?(?:[-+].*)?");

    /** Parses {@code 1.32}, {@code v1.32.0} or {@code v1.32.0+kaji.0.1.0}; the error names the accepted form. */
    public static KubeVersion parse(String text) {
        Matcher m = VERSION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Kubernetes version: \"" + text + "\" (use e.g. 1.32)");
        }
        return new KubeVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public int compareTo(KubeVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    public boolean atLeast(KubeVersion o) {
        return compareTo(o) >= 0;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
