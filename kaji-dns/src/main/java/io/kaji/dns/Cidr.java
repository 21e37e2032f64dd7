package io.kaji.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP network such as {@code 10.43.0.0/16} (IPv4 or IPv6); immutable. */
record Cidr(byte[] network, int prefix) {

    /** Parses {@code address/prefix}; throws IllegalArgumentException naming the bad value. */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("CIDR must look like 10.43.0.0/16: \"" + text + "\"");
        }
        InetAddress address = Addresses.parseLiteral(text.substring(0, slash).trim());
        if (address == null) {
            throw new IllegalArgumentException("CIDR must start with an IP address, like 10.43.0.0/16: \"" + text + "\"");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CIDR prefix length is not a number: \"" + text + "\"");
        }
        byte[] bytes = address.getAddress();
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("CIDR prefix length out of range: \"" + text + "\"");
        }
        return new Cidr(bytes, prefix);
    }

    /** Whether {@code address} lies inside this network. */
    boolean contains(InetAddress address) {
        return covers(address.getAddress(), prefix);
    }

    /**
     * Whether the whole network {@code bytes/bits} lies inside this one (a shorter prefix than ours never does).
     */
    boolean covers(byte[] bytes, int bits) {
        if (bytes.length != network.length || bits < prefix) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (bytes[whole] & mask) == (network[whole] & mask);
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
