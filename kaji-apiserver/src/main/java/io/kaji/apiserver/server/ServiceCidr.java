package io.kaji.apiserver.server;

import java.util.Objects;

/**
 * An IPv4 service CIDR such as {@code 10.43.0.0/16}: the {@code kubernetes} Service takes its first address, the
 * cluster DNS Service its tenth, as in k3s; the rest is handed out to Services.
 *
 * @param network the network address as an unsigned 32-bit value
 * @param prefix  the prefix length, 8 to 28
 */
public record ServiceCidr(long network, int prefix) {

    /** Kaji's (and k3s') default service CIDR. */
    public static final String DEFAULT = "10.43.0.0/16";

    public ServiceCidr {
        if (prefix < 8 || prefix > 28) {
            throw new IllegalArgumentException("service CIDR prefix must be /8 to /28, not /" + prefix);
        }
        if ((network & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException("service CIDR has host bits set: " + toDotted(network) + "/" + prefix);
        }
    }

    /** Parses {@code a.b.c.d/n}; IllegalArgumentException saying what is wrong. */
    public static ServiceCidr parse(String cidr) {
        Objects.requireNonNull(cidr, "cidr");
        String[] parts = cidr.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("service CIDR must look like 10.43.0.0/16: " + cidr);
        }
        long address = parseAddress(parts[0]);
        if (address < 0) {
            throw new IllegalArgumentException("service CIDR must be an IPv4 network like 10.43.0.0/16: " + cidr);
        }
        int prefix;
        try {
            prefix = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("service CIDR prefix is not a number: " + cidr);
        }
        return new ServiceCidr(address, prefix);
    }

    /** The number of addresses, network and broadcast included. */
    public long size() {
        return 1L << (32 - prefix);
    }

    /** The address at {@code offset} from the network address. */
    public String address(long offset) {
        if (offset < 0 || offset >= size()) {
            throw new IllegalArgumentException("offset " + offset + " is outside " + this);
        }
        return toDotted(network + offset);
    }

    /** The {@code kubernetes} Service's cluster IP: the first address. */
    public String apiServerIp() {
        return address(1);
    }

    /** The cluster DNS Service's cluster IP: the tenth address. */
    public String dnsIp() {
        return address(10);
    }

    /** The offset of {@code ip} in this range, or -1 when it is not an IPv4 address inside it. */
    public long offsetOf(String ip) {
        long a = parseAddress(ip);
        if (a < 0 || (a & mask(prefix)) != network) {
            return -1;
        }
        return a - network;
    }

    /** Whether {@code ip} may be allocated to a Service: inside, and neither the network nor broadcast address. */
    public boolean assignable(String ip) {
        long offset = offsetOf(ip);
        return offset > 0 && offset < size() - 1;
    }

    @Override
    public String toString() {
        return toDotted(network) + "/" + prefix;
    }

    private static long mask(int prefix) {
        return (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    /** The unsigned value of a dotted IPv4 address, or -1. */
    static long parseAddress(String s) {
        if (s == null) {
            return -1;
        }
        String[] octets = s.split("\\.", -1);
        if (octets.length != 4) {
            return -1;
        }
        long a = 0;
        for (String o : octets) {
            if (o.isEmpty() || o.length() > 3 || !o.chars().allMatch(Character::isDigit)) {
                return -1;
            }
            int v = Integer.parseInt(o);
            if (v > 255) {
                return -1;
            }
            a = (a << 8) | v;
        }
        return a;
    }

    static String toDotted(long a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
