package io.kaji.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Names of one proxy instance's chains: all start with {@code KAJI-<tag>-} and are at most 28 characters
 * (iptables' limit is 28 usable characters). Per-service and per-endpoint chains carry a hash of their identity,
 * as kube-proxy's {@code KUBE-SVC-<hash>} do. Names starting with {@code KAJI-<tag>-NP} belong to the
 * network-policy module and are never produced or touched here.
 */
final class ChainNames {

    static final String PREFIX = "KAJI-";
    static final int MAX_LENGTH = 28;
    private static final int HASH_CHARS = 14;
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private final String base;

    ChainNames(String tag) {
        this.base = PREFIX + tag + "-";
    }

    String base() {
        return base;
    }

    /** nat: entry from PREROUTING and OUTPUT; filter: rejects for services without endpoints. */
    String services() {
        return base + "SERVICES";
    }

    String nodePorts() {
        return base + "NODEPORTS";
    }

    String postrouting() {
        return base + "POSTROUTING";
    }

    String markMasq() {
        return base + "MARK-MASQ";
    }

    String forward() {
        return base + "FORWARD";
    }

    String firewall() {
        return base + "FIREWALL";
    }

    String service(ProxiedPort p) {
        return base + "SVC-" + hash(p.id() + "/" + p.proto());
    }

    String external(ProxiedPort p) {
        return base + "EXT-" + hash(p.id() + "/" + p.proto());
    }

    /** The chain spreading over this node's endpoints only (externalTrafficPolicy Local). */
    String localEndpoints(ProxiedPort p) {
        return base + "SVL-" + hash(p.id() + "/" + p.proto());
    }

    String endpoint(ProxiedPort p, Endpoint e) {
        return base + "SEP-" + hash(p.id() + "/" + p.proto() + "/" + e.hostPort());
    }

    /** True for this instance's chains (not the network-policy module's {@code KAJI-<tag>-NP…}). */
    boolean owns(String chain) {
        return chain.startsWith(base) && !chain.startsWith(base + "NP");
    }

    /** The first 14 base32 characters of SHA-256: 70 bits, collisions are not a practical concern. */
    static String hash(String identity) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
        StringBuilder out = new StringBuilder(HASH_CHARS);
        int buffer = 0;
        int bits = 0;
        for (byte b : digest) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5 && out.length() < HASH_CHARS) {
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
            if (out.length() == HASH_CHARS) {
                break;
            }
        }
        return out.toString();
    }
}
