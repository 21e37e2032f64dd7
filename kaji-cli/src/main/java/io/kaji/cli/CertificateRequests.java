package io.kaji.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import javax.security.auth.x500.X500Principal;

/**
 * PKCS#10 certificate requests (RFC 2986) and PKCS#8 wrapping of SEC1 keys with the JDK alone, so that a running
 * agent needs no Bouncy Castle: its three jars are left off the agent's class path, where their central directories
 * cost ~870 KB of heap (docs/footprint.md). The JDK encodes every part that carries meaning — the subject
 * ({@link X500Principal#getEncoded()}), the public key (X.509 {@code SubjectPublicKeyInfo}) and the ECDSA
 * signature (DER {@code SEQUENCE {r, s}}); this class only puts them into the request's three sequences.
 * The API server parses the result with Bouncy Castle (kaji-apiserver's CertificateSigningRequests), which the
 * tests exercise.
 */
final class CertificateRequests {

    /** ecdsa-with-SHA256, 1.2.840.10045.4.3.2. */
    private static final byte[] ECDSA_WITH_SHA256 = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02};
    /** id-ecPublicKey, 1.2.840.10045.2.1. */
    private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    /** prime256v1 (P-256), 1.2.840.10045.3.1.7: the only curve Kaji's node keys use. */
    private static final byte[] PRIME256V1 = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};

    private CertificateRequests() {
    }

    /**
     * A request for {@code subject} (RFC 2253 form, e.g. {@code CN=system:node:n1, O=system:nodes}) with
     * {@code keyPair}'s public key, signed SHA256withECDSA with its private key, as PEM
     * ({@code CERTIFICATE REQUEST}).
     *
     * @throws IllegalArgumentException if {@code subject} is not a distinguished name
     * @throws IllegalStateException    if the key cannot sign with SHA256withECDSA
     */
    static String pem(String subject, KeyPair keyPair) {
        byte[] info = sequence(
                integer(0),
                new X500Principal(subject).getEncoded(),
                keyPair.getPublic().getEncoded(),
                tagged(0xa0, new byte[0])); // attributes [0]: none
        byte[] signature;
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keyPair.getPrivate());
            signer.update(info);
            signature = signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sign a certificate request with SHA256withECDSA: " + e.getMessage(), e);
        }
        byte[] bitString = new byte[signature.length + 1]; // no unused bits
        System.arraycopy(signature, 0, bitString, 1, signature.length);
        byte[] der = sequence(info, sequence(tagged(0x06, ECDSA_WITH_SHA256)), tagged(0x03, bitString));
        return "-----BEGIN CERTIFICATE REQUEST-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
    }

    /**
     * A P-256 key in SEC1 DER ({@code EC PRIVATE KEY}, RFC 5915, as Kaji builds before PKCS#8 wrote them) as
     * PKCS#8 DER ({@code PrivateKeyInfo}), which the JDK's EC key factory reads.
     */
    static byte[] pkcs8FromSec1(byte[] sec1) {
        return sequence(integer(0), sequence(tagged(0x06, EC_PUBLIC_KEY), tagged(0x06, PRIME256V1)),
                tagged(0x04, sec1));
    }

    private static byte[] integer(int smallValue) {
        return tagged(0x02, new byte[] {(byte) smallValue});
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        return tagged(0x30, body.toByteArray());
    }

    /** One DER element: tag, definite length (short or long form), contents. */
    static byte[] tagged(int tag, byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
        out.write(tag);
        int n = contents.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(contents);
        return out.toByteArray();
    }
}
