package io.kaji.support.certs;

/** Where a certificate was found. The lower-case names appear in the JSON/YAML output and in metric labels. */
public enum Source {
    /** A file of Kaji's PKI under a data dir ({@code pki/*.crt} and the kubeconfigs there). */
    KAJI_PKI("kaji-pki"),
    /** The kubeconfig the command used: its cluster CA and its client certificate. */
    KUBECONFIG("kubeconfig"),
    /** The chain the API server presented in the TLS handshake. */
    API_SERVER("apiserver"),
    /** A Secret: {@code kubernetes.io/tls} or any Secret value holding a PEM certificate. */
    SECRET("secret"),
    /** A validating or mutating webhook configuration's {@code caBundle}. */
    WEBHOOK("webhook"),
    /** An APIService's {@code caBundle} (aggregated APIs). */
    API_SERVICE("apiservice"),
    /** A CustomResourceDefinition's conversion webhook {@code caBundle}. */
    CRD_CONVERSION("crd-conversion");

    private final String label;

    Source(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
