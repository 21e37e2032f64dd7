package io.kaji.netpol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Names of one enforcer's iptables chains. All start with {@code KAJI-<tag>-NP} (the service proxy of the same
 * node uses {@code KAJI-<tag>-} names that do not start with {@code NP}), and are at most 28 characters, the
 * kernel's limit for a chain name. Per-pod chains carry a hash of the pod's namespace/name, so a pod keeps its
 * chain names across restarts and two pods never share one.
 */
final class ChainNames {

    /** iptables' XT_EXTENSION_MAXNAMELEN - 1. */
    static final int MAX_LENGTH = 28;
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private final String tag;

    ChainNames(String tag) {
        this.tag = tag;
    }

    /** Every chain this enforcer owns starts with this. */
    String ownedPrefix() {
        return "KAJI-" + tag + "-NP";
    }

    /** The chain jumped to from FORWARD. */
    String top() {
        return ownedPrefix() + "-FWD";
    }

    /** The chain listing what may reach the pod {@code podKey} (namespace/name). */
    String ingress(String podKey) {
        return ownedPrefix() + "I-" + hash(podKey);
    }

    /** The chain listing where the pod {@code podKey} may send. */
    String egress(String podKey) {
        return ownedPrefix() + "E-" + hash(podKey);
    }

    boolean owns(String chain) {
        return chain.startsWith(ownedPrefix());
    }

    /** 14 base32 characters (70 bits) of SHA-256: "KAJI-TTTT-NPI-" + 14 = 28 characters. */
    static String hash(String s) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        StringBuilder out = new StringBuilder(14);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; out.length() < 14; i++) {
            buffer = (buffer << 8) | (d[i] & 0xff);
            bits += 8;
            while (bits >= 5 && out.length() < 14) {
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return out.toString();
    }
}
