package io.kaji.support.certs;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificates in a piece of PEM text, each block decoded on its own so that one corrupt block does not hide
 * the others. Text around the blocks (private keys, comments) is ignored.
 */
public final class PemCertificates {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", Pattern.DOTALL);

    /** One decoded block: the certificate, or the reason it could not be read. */
    public record Block(X509Certificate certificate, String error) {
        public boolean valid() {
            return certificate != null;
        }
    }

    private PemCertificates() {
    }

    /** Whether {@code text} contains at least one PEM certificate block. */
    public static boolean containsCertificate(String text) {
        return text != null && text.contains("-----BEGIN CERTIFICATE-----");
    }

    /** Every certificate block of {@code pem}, in order. */
    public static List<Block> parse(String pem) {
        List<Block> blocks = new ArrayList<>();
        if (pem == null) {
            return blocks;
        }
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            blocks.add(decode(m.group(1)));
        }
        if (blocks.isEmpty() && containsCertificate(pem)) {
            blocks.add(new Block(null, "a PEM certificate block without its END line"));
        }
        return blocks;
    }

    /** Every certificate block of {@code bytes} read as UTF-8 PEM. */
    public static List<Block> parse(byte[] bytes) {
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    private static Block decode(String base64) {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            return new Block(null, "not base64 inside the PEM block: " + e.getMessage());
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return new Block((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)), null);
        } catch (CertificateException | RuntimeException e) {
            return new Block(null, "not an X.509 certificate: " + e.getMessage());
        }
    }

    /** The CN of a distinguished name, or the whole name when it has none. */
    static String commonName(String dn) {
        if (dn == null) {
            return "";
        }
        for (String part : dn.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
            String p = part.strip();
            if (p.regionMatches(true, 0, "CN=", 0, 3)) {
                return p.substring(3);
            }
        }
        return dn;
    }
}
