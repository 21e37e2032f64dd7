package io.kaji.controllers.nodeipam;

import java.util.BitSet;

/**
 * Hands out fixed-size IPv4 subnets (a node's podCIDR) from one cluster CIDR, lowest free first, as Kubernetes'
 * range allocator does. Thread-safe.
 */
public final class CidrAllocator {

    private final int base;
    private final int clusterPrefix;
    private final int nodePrefix;
    private final int count;
    private final BitSet used;

    /**
     * @param clusterCidr e.g. {@code 10.42.0.0/16}
     * @param nodePrefix  the prefix length of each node's subnet, e.g. 24
     */
    public CidrAllocator(String clusterCidr, int nodePrefix) {
        String[] parts = clusterCidr.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("cluster CIDR \"" + clusterCidr + "\" is not of the form a.b.c.d/n");
        }
        this.clusterPrefix = Integer.parseInt(parts[1]);
        if (clusterPrefix < 8 || clusterPrefix > 30 || nodePrefix <= clusterPrefix || nodePrefix > 30) {
            throw new IllegalArgumentException("cannot split " + clusterCidr + " into /" + nodePrefix
                    + " subnets (the node prefix must be longer than the cluster prefix, at most /30)");
        }
        int address = parse(parts[0]);
        int mask = clusterPrefix == 0 ? 0 : -1 << (32 - clusterPrefix);
        if ((address & ~mask) != 0) {
            throw new IllegalArgumentException("cluster CIDR \"" + clusterCidr + "\" has host bits set");
        }
        this.base = address;
        this.nodePrefix = nodePrefix;
        this.count = 1 << (nodePrefix - clusterPrefix);
        this.used = new BitSet(count);
    }

    /** The next free subnet, e.g. {@code 10.42.3.0/24}; throws when the cluster CIDR is exhausted. */
    public synchronized String allocate() {
        int i = used.nextClearBit(0);
        if (i >= count) {
            throw new IllegalStateException("the cluster CIDR " + format(base) + "/" + clusterPrefix
                    + " has no free /" + nodePrefix + " left for another node (" + count + " in use)");
        }
        used.set(i);
        return subnet(i);
    }

    /** Marks an existing node's subnet as taken (at start-up); false if it is not one of this range's subnets. */
    public synchronized boolean occupy(String cidr) {
        int i = index(cidr);
        if (i < 0) {
            return false;
        }
        used.set(i);
        return true;
    }

    /** Gives a subnet back (its node was deleted). */
    public synchronized void release(String cidr) {
        int i = index(cidr);
        if (i >= 0) {
            used.clear(i);
        }
    }

    public synchronized int inUse() {
        return used.cardinality();
    }

    private String subnet(int i) {
        return format(base + (i << (32 - nodePrefix))) + "/" + nodePrefix;
    }

    private int index(String cidr) {
        String[] parts = cidr.split("/");
        if (parts.length != 2 || Integer.parseInt(parts[1]) != nodePrefix) {
            return -1;
        }
        long offset = Integer.toUnsignedLong(parse(parts[0])) - Integer.toUnsignedLong(base);
        if (offset < 0 || offset % (1L << (32 - nodePrefix)) != 0) {
            return -1;
        }
        long i = offset >> (32 - nodePrefix);
        return i < count ? (int) i : -1;
    }

    private static int parse(String ip) {
        String[] o = ip.split("\\.");
        if (o.length != 4) {
            throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
        }
        int v = 0;
        for (String s : o) {
            int b = Integer.parseInt(s);
            if (b < 0 || b > 255) {
                throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
            }
            v = (v << 8) | b;
        }
        return v;
    }

    private static String format(int v) {
        return ((v >>> 24) & 255) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
    }
}
