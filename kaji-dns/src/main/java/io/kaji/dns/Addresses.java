package io.kaji.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP literals without name resolution ({@link InetAddress#getByName} would query DNS for anything else). */
final class Addresses {

    private Addresses() {}

    /** The address written as {@code text} (dotted IPv4 or IPv6 literal), or null if it is not one. */
    static InetAddress parseLiteral(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            // An IPv6 literal: getByName parses it without a lookup (a string with ':' is never a host name).
            if (!text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null;
            }
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        byte[] bytes = parseIpv4(text, '.');
        return bytes == null ? null : byAddress(bytes);
    }

    /** Four decimal octets 0..255 separated by {@code separator}, no signs, no leading zeros beyond "0"; or null. */
    static byte[] parseIpv4(String text, char separator) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : separator;
            if (c == separator) {
                if (digits == 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null; // "01": ambiguous (octal in some parsers), reject
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + bytes.length + " bytes", e);
        }
    }

    /** The name label form of an address: 10.42.0.7 → "10-42-0-7", 2001:db8::1 → "2001-db8--1". */
    static String dashed(InetAddress address) {
        String text = address instanceof Inet4Address ? address.getHostAddress() : compressed(address);
        return text.replace('.', '-').replace(':', '-');
    }

    private static String compressed(InetAddress address) {
        // Java prints the full form (2001:db8:0:0:0:0:0:1); CoreDNS labels use the compressed one.
        String full = address.getHostAddress();
        int percent = full.indexOf('%');
        if (percent >= 0) {
            full = full.substring(0, percent);
        }
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }
}
