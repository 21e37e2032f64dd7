package io.kaji.apiserver.registry;

import java.util.regex.Pattern;

/** Kubernetes' object-name rules and their exact error texts (apimachinery validation). */
public final class NameValidation {

    public static final String DNS1123_LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case "
            + "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
            + "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    public static final String DNS1123_SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower "
            + "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            + "'example.com', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    public static final String DNS1035_LABEL_MESSAGE = "a DNS-1035 label must consist of lower case alphanumeric "
            + "characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. "
            + "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    private NameValidation() {
    }

    public static boolean isDns1123Label(String s) {
        return s.length() <= 63 && LABEL.matcher(s).matches();
    }

    public static boolean isDns1123Subdomain(String s) {
        return s.length() <= 253 && SUBDOMAIN.matcher(s).matches();
    }

    /**
     * The problem with {@code name} under {@code rule}, as Kubernetes words it, or null when valid.
     */
    public static String check(String name, ResourceStrategy.NameRule rule) {
        switch (rule) {
            case LABEL -> {
                if (name.length() > 63) {
                    return "must be no more than 63 characters";
                }
                return LABEL.matcher(name).matches() ? null : DNS1123_LABEL_MESSAGE;
            }
            case DNS1035_LABEL -> {
                if (name.length() > 63) {
                    return "must be no more than 63 characters";
                }
                return DNS1035.matcher(name).matches() ? null : DNS1035_LABEL_MESSAGE;
            }
            case PATH_SEGMENT -> {
                if (name.equals(".") || name.equals("..")) {
                    return "may not be '" + name + "'";
                }
                if (name.contains("/")) {
                    return "may not contain '/'";
                }
                if (name.contains("%")) {
                    return "may not contain '%'";
                }
                return null;
            }
            default -> {
                if (name.length() > 253) {
                    return "must be no more than 253 characters";
                }
                return SUBDOMAIN.matcher(name).matches() ? null : DNS1123_SUBDOMAIN_MESSAGE;
            }
        }
    }
}
