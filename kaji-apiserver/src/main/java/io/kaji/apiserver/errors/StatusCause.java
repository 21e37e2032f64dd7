package io.kaji.apiserver.errors;

/**
 * One cause of an Invalid (422) error, as in metav1.StatusCause.
 *
 * @param reason  e.g. {@code FieldValueInvalid}, {@code FieldValueRequired}, {@code FieldValueNotSupported}
 * @param message the human-readable text without the field, e.g. {@code Required value}
 * @param field   the JSON path of the field, e.g. {@code metadata.name}
 */
public record StatusCause(String reason, String message, String field) {

    public static StatusCause required(String field, String detail) {
        return new StatusCause("FieldValueRequired",
                detail == null || detail.isEmpty() ? "Required value" : "Required value: " + detail, field);
    }

    public static StatusCause invalid(String field, Object value, String detail) {
        return new StatusCause("FieldValueInvalid",
                "Invalid value: " + quote(value) + ": " + detail, field);
    }

    public static StatusCause forbidden(String field, String detail) {
        return new StatusCause("FieldValueForbidden", "Forbidden: " + detail, field);
    }

    public static StatusCause notSupported(String field, Object value, java.util.List<String> supported) {
        StringBuilder sb = new StringBuilder("Unsupported value: ").append(quote(value)).append(": supported values: ");
        for (int i = 0; i < supported.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append('"').append(supported.get(i)).append('"');
        }
        return new StatusCause("FieldValueNotSupported", sb.toString(), field);
    }

    /** {@code field: message}, the way Kubernetes joins a cause into the Status message. */
    public String describe() {
        return field + ": " + message;
    }

    private static String quote(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
