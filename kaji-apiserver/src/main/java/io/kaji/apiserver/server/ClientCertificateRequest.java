package io.kaji.apiserver.server;

import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS side of client-certificate authentication: asks clients for a certificate from the cluster CA (the CA is
 * named in the request, so clients pick the right one) and lets the handshake complete whatever they present.
 * The certificate is verified per request by {@link io.kaji.apiserver.auth.X509Authenticator}, which answers a
 * foreign, expired or unusable one with 401, as kube-apiserver does. Used only on the server side.
 */
final class ClientCertificateRequest implements X509TrustManager {

    private final X509Certificate ca;

    ClientCertificateRequest(X509Certificate ca) {
        this.ca = ca;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // Verified per request by the x509 authenticator.
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("this trust manager only serves the API server's side");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }
}
