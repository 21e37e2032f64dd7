package io.kaji.netpol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Names of one enforcer's iptables chains. All start with {@code KAJI-<tag>-NP} (the service proxy of the same
 * node uses {@code KAJI-<tag>-} names that do not start with {@code NP}), and are at most 28 characters, the
 * kernel's limit for a chain name. Pod chains are named after a hash of their content, so pods selected by the
 * same policies share one, and the same cluster state gives the same names after a restart.
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

    /** The ingress chain (what may reach the pods that jump to it) whose rules are {@code content}. */
    String ingress(String content) {
        return ownedPrefix() + "I-" + hash(content);
    }

    /** The egress chain (where the pods that jump to it may send) whose rules are {@code content}. */
    String egress(String content) {
        return ownedPrefix() + "E-" + hash(content);
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
