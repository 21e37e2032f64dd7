package io.kaji.netpol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * IPv4 addresses and CIDR blocks: parsing, containment, and subtraction ({@code ipBlock.cidr} minus its
 * {@code except} list) into a list of CIDRs, so that an ipBlock becomes plain {@code -s}/{@code -d} matches without
 * ipset or marks.
 */
final class Cidrs {

    private Cidrs() {
    }

    /** An IPv4 block: {@code base} is the first address (host bits zero), {@code prefix} 0..32. */
    record Block(long base, int prefix) {
        long size() {
            return 1L << (32 - prefix);
        }

        long last() {
            return base + size() - 1;
        }

        boolean contains(long ip) {
            return ip >= base && ip <= last();
        }

        @Override
        public String toString() {
            String ip = ((base >> 24) & 255) + "." + ((base >> 16) & 255) + "." + ((base >> 8) & 255) + "." + (base & 255);
            return prefix == 32 ? ip : ip + "/" + prefix;
        }
    }

    static boolean isIpv4(String s) {
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Parses {@code a.b.c.d} or {@code a.b.c.d/n}; host bits are cleared, as Kubernetes' ipBlock allows them. */
    static Block parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: null");
        }
        String t = s.strip();
        int slash = t.indexOf('/');
        int prefix = 32;
        String addr = t;
        if (slash >= 0) {
            addr = t.substring(0, slash);
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address or CIDR: \"" + s + "\"");
            }
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("not an IPv4 address or CIDR: \"" + s + "\"");
            }
        }
        long ip = address(addr);
        if (ip < 0) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: \"" + s + "\"");
        }
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return new Block(ip & mask, prefix);
    }

    /** The address as an unsigned 32-bit number, or -1 when {@code s} is not a dotted IPv4 address. */
    static long address(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long ip = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return -1;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return -1;
            }
            ip = (ip << 8) | v;
        }
        return ip;
    }

    /**
     * {@code block} without every address of {@code except}, as the fewest aligned CIDRs, in address order.
     * Excepts outside the block are ignored.
     */
    static List<Block> subtract(Block block, List<Block> except) {
        List<Block> holes = new ArrayList<>(except);
        holes.sort(Comparator.comparingLong(Block::base));
        List<Block> out = new ArrayList<>();
        long next = block.base();
        long end = block.last();
        for (Block h : holes) {
            long hs = Math.max(h.base(), block.base());
            long he = Math.min(h.last(), end);
            if (hs > he) {
                continue; // outside the block
            }
            if (hs > next) {
                cover(next, hs - 1, out);
            }
            next = Math.max(next, he + 1);
        }
        if (next <= end) {
            cover(next, end, out);
        }
        return out;
    }

    /** Appends the aligned blocks covering [from, to]. */
    private static void cover(long from, long to, List<Block> out) {
        long start = from;
        while (start <= to) {
            int prefix = 32;
            // grow while the block stays aligned on start and inside [start, to]
            while (prefix > 0) {
                long size = 1L << (32 - (prefix - 1));
                if ((start & (size - 1)) != 0 || start + size - 1 > to) {
                    break;
                }
                prefix--;
            }
            Block b = new Block(start, prefix);
            out.add(b);
            start = b.last() + 1;
        }
    }
}
