package io.kaji.support.certs;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * One certificate in an expiry report, or one place that should have held a certificate but could not be read.
 *
 * @param name              what a person calls it: a file stem ({@code apiserver}), a kubeconfig
 *                          ({@code kubeconfig}), or {@code secret/NS/NAME[KEY]}
 * @param source            where it was found
 * @param namespace         the object's namespace, null for cluster-scoped objects and files
 * @param object            the object's name or the file's path
 * @param subject           the subject DN, null when unreadable
 * @param issuer            the issuer DN, null when unreadable
 * @param notBefore         start of validity, null when unreadable
 * @param notAfter          end of validity, null when unreadable
 * @param ca                whether it is a certificate authority (basicConstraints CA:true)
 * @param authority         the name of the CA that signed it when known (a Kaji PKI CA's file stem), else the
 *                          issuer's common name; empty for self-signed roots
 * @param externallyManaged for Kaji's PKI, whether Kaji cannot renew it because its CA key is absent (kubeadm's
 *                          meaning); null where the question does not apply
 * @param status            the expiry status, {@link ExpiryStatus#INVALID} when unreadable
 * @param error             why it could not be read, null otherwise
 */
public record CertificateEntry(String name, Source source, String namespace, String object, String subject,
        String issuer, Instant notBefore, Instant notAfter, boolean ca, String authority, Boolean externallyManaged,
        ExpiryStatus status, String error) {

    public CertificateEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(status, "status");
        authority = authority == null ? "" : authority;
    }

    /** An entry for a readable certificate. */
    public static CertificateEntry of(String name, Source source, String namespace, String object,
            X509Certificate cert, String authority, Boolean externallyManaged, Instant now, Thresholds thresholds) {
        Instant notAfter = cert.getNotAfter().toInstant();
        return new CertificateEntry(name, source, namespace, object, cert.getSubjectX500Principal().getName(),
                cert.getIssuerX500Principal().getName(), cert.getNotBefore().toInstant(), notAfter,
                cert.getBasicConstraints() >= 0, authority, externallyManaged,
                ExpiryStatus.of(notAfter, now, thresholds), null);
    }

    /** An entry for a certificate that is there but cannot be parsed. */
    public static CertificateEntry invalid(String name, Source source, String namespace, String object,
            String error) {
        return new CertificateEntry(name, source, namespace, object, null, null, null, null, false, "", null,
                ExpiryStatus.INVALID, error);
    }
}
