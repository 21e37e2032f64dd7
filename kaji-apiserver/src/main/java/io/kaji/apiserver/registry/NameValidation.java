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

    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    /** What the name part of a qualified name (a label key's, say) must look like, as apimachinery words it. */
    public static final String QUALIFIED_NAME_MESSAGE = "must consist of alphanumeric characters, '-', '_' or '.', "
            + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
            + "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private NameValidation() {
    }

    /**
     * What is wrong with a qualified name ({@code name} or {@code prefix/name}: a label key, an annotation key, a
     * scheduling gate), as apimachinery's IsQualifiedName words it; empty when valid.
     */
    public static java.util.List<String> qualifiedNameErrors(String value) {
        java.util.List<String> errors = new java.util.ArrayList<>();
        String[] parts = value.split("/", -1);
        String name;
        if (parts.length == 1) {
            name = parts[0];
        } else if (parts.length == 2) {
            String prefix = parts[0];
            name = parts[1];
            if (prefix.isEmpty()) {
                errors.add("prefix part must be non-empty");
            } else if (prefix.length() > 253) {
                errors.add("prefix part must be no more than 253 characters");
            } else if (!SUBDOMAIN.matcher(prefix).matches()) {
                errors.add("prefix part " + DNS1123_SUBDOMAIN_MESSAGE);
            }
        } else {
            errors.add("a qualified name " + QUALIFIED_NAME_MESSAGE + " with an optional DNS subdomain prefix and '/' "
                    + "(e.g. 'example.com/MyName')");
            return errors;
        }
        if (name.isEmpty()) {
            errors.add("name part must be non-empty");
        } else if (name.length() > 63) {
            errors.add("name part must be no more than 63 characters");
        }
        if (!QUALIFIED_NAME_PART.matcher(name).matches()) {
            errors.add("name part " + QUALIFIED_NAME_MESSAGE);
        }
        return errors;
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
