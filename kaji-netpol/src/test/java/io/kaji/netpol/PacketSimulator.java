package io.kaji.netpol;

import java.util.List;

/**
 * Walks a packet through a {@link RuleSet} the way iptables would (jumps, RETURN, REJECT, falling off a chain),
 * so that tests check what the rules do, not how they are spelled.
 */
final class PacketSimulator {

    record Packet(String src, String dst, String protocol, int port, boolean established) {
        static Packet tcp(String src, String dst, int port) {
            return new Packet(src, dst, "tcp", port, false);
        }

        static Packet udp(String src, String dst, int port) {
            return new Packet(src, dst, "udp", port, false);
        }
    }

    private final RuleSet rules;

    PacketSimulator(RuleSet rules) {
        this.rules = rules;
    }

    /** True when the packet leaves the top chain without being rejected. */
    boolean allows(Packet p) {
        return walk(rules.top(), p, 0);
    }

    private boolean walk(String chain, Packet p, int depth) {
        if (depth > 10) {
            throw new AssertionError("jump loop at " + chain);
        }
        List<Rule> list = rules.chain(chain);
        for (Rule r : list) {
            if (!matches(r, p)) {
                continue;
            }
            switch (r.target()) {
                case Rule.RETURN -> {
                    return true;
                }
                case Rule.REJECT, Rule.REJECT_TCP -> {
                    return false;
                }
                default -> {
                    if (!rules.chains().containsKey(r.target())) {
                        throw new AssertionError("jump to missing chain " + r.target());
                    }
                    if (!walk(r.target(), p, depth + 1)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static boolean matches(Rule r, Packet p) {
        if (r.established() && !p.established()) {
            return false;
        }
        if (r.source() != null && !Cidrs.parse(r.source()).contains(Cidrs.address(p.src()))) {
            return false;
        }
        if (r.destination() != null && !Cidrs.parse(r.destination()).contains(Cidrs.address(p.dst()))) {
            return false;
        }
        if (r.protocol() != null && !r.protocol().equals(p.protocol())) {
            return false;
        }
        if (r.ports() != null) {
            String[] range = r.ports().split(":");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            return p.port() >= from && p.port() <= to;
        }
        return true;
    }
}
