package io.kaji.apiserver.auth;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Client-certificate authentication, as kube-apiserver's x509 authenticator: the certificate must be issued by the
 * cluster CA, be within its validity period and allow client authentication; its subject's common name is the
 * user and its organizations are the groups. The TLS layer accepts any certificate, so that a bad one is answered
 * with a 401 Status here rather than with a failed handshake. Thread-safe.
 */
public final class X509Authenticator {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";

    private final X509Certificate ca;
    private final Clock clock;
    /**
     * Users of certificates whose signature, issuer, key usage and names were checked: a client sends the same
     * certificate with every request, and verifying its ECDSA signature each time cost more than the rest of
     * authentication. Only the validity period is checked again per request. Bounded: cleared past
     * {@link #MAX_VERIFIED} entries.
     */
    private final java.util.concurrent.ConcurrentHashMap<X509Certificate, UserInfo> verified =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_VERIFIED = 10_000;

    /** Why a certificate was rejected; the message names the cause (never key material). */
    public static final class RejectedException extends Exception {
        RejectedException(String message) {
            super(message);
        }
    }

    public X509Authenticator(X509Certificate ca, Clock clock) {
        this.ca = ca;
        this.clock = clock;
    }

    /**
     * The user of {@code chain}'s leaf certificate.
     *
     * @throws RejectedException when the certificate is not from the cluster CA, expired, not yet valid, not for
     *                           client authentication or has no common name
     */
    public UserInfo authenticate(X509Certificate[] chain) throws RejectedException {
        if (chain == null || chain.length == 0) {
            throw new RejectedException("no client certificate");
        }
        X509Certificate leaf = chain[0];
        UserInfo known = verified.get(leaf);
        if (known != null) {
            checkValidity(leaf, leaf.getSubjectX500Principal().getName());
            return known;
        }
        String subject = leaf.getSubjectX500Principal().getName();
        if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            throw new RejectedException("certificate \"" + subject + "\" is signed by \""
                    + leaf.getIssuerX500Principal().getName() + "\", not by the cluster CA");
        }
        try {
            leaf.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new RejectedException("certificate \"" + subject + "\" does not verify with the cluster CA's key");
        }
        checkValidity(leaf, subject);
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(CLIENT_AUTH) && !eku.contains(ANY_EKU)) {
                throw new RejectedException("certificate \"" + subject + "\" is not for client authentication");
            }
        } catch (CertificateParsingException e) {
            throw new RejectedException("certificate \"" + subject + "\" has an unreadable extended key usage");
        }
        X500Name name = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded());
        List<String> cn = values(name, BCStyle.CN);
        if (cn.isEmpty() || cn.get(0).isEmpty()) {
            throw new RejectedException("certificate \"" + subject + "\" has no common name (the user name)");
        }
        UserInfo user = new UserInfo(cn.get(0), "", values(name, BCStyle.O), Map.of());
        if (verified.size() >= MAX_VERIFIED) {
            verified.clear();
        }
        verified.put(leaf, user);
        return user;
    }

    private void checkValidity(X509Certificate leaf, String subject) throws RejectedException {
        Date now = Date.from(clock.instant());
        try {
            leaf.checkValidity(now);
        } catch (CertificateExpiredException e) {
            throw new RejectedException("certificate \"" + subject + "\" expired at " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new RejectedException("certificate \"" + subject + "\" is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
    }

    private static List<String> values(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        List<String> out = new ArrayList<>();
        for (RDN rdn : name.getRDNs(type)) {
            for (var atv : rdn.getTypesAndValues()) {
                if (atv.getType().equals(type)) {
                    ASN1Encodable v = atv.getValue();
                    out.add(IETFUtils.valueToString(v));
                }
            }
        }
        return out;
    }
}
