package io.kaji.apiserver.admission.podsecurity;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version of the Pod Security Standards: {@code latest} or {@code v1.<minor>}, as the
 * {@code pod-security.kubernetes.io/<mode>-version} labels name them.
 *
 * @param minor  the Kubernetes minor version; ignored when {@code latest}
 * @param latest true for {@code latest}
 */
public record StandardVersion(int minor, boolean latest) {

    public static final StandardVersion LATEST = new StandardVersion(0, true);
    private static final Pattern FORM = Pattern.compile("^v1\\.([0-9]|[1-9][0-9]{0,8})$");

    public static StandardVersion of(int minor) {
        return new StandardVersion(minor, false);
    }

    /** The version a label value names, or null if it is neither {@code latest} nor {@code v1.x}. */
    public static StandardVersion parse(String value) {
        if ("latest".equals(value)) {
            return LATEST;
        }
        Matcher m = value == null ? null : FORM.matcher(value);
        return m != null && m.matches() ? of(Integer.parseInt(m.group(1))) : null;
    }

    /** The minor version whose checks apply: {@code newest} for latest or anything newer than it. */
    int effectiveMinor(int newest) {
        return latest || minor > newest ? newest : minor;
    }

    @Override
    public String toString() {
        return latest ? "latest" : "v1." + minor;
    }
}
