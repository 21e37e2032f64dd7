package io.kaji.netpol;

import java.util.ArrayList;
import java.util.List;

/**
 * One iptables filter rule of an enforcer's chain, as a value: the matches this module uses and a target.
 * Null matches are absent. {@code ports} is {@code "80"} or {@code "8000:8080"} and needs {@code protocol}.
 *
 * @param established match only packets of connections conntrack has already seen (replies of allowed traffic)
 */
record Rule(String source, String destination, String protocol, String ports, boolean established, String target,
            String comment) {

    static final String RETURN = "RETURN";
    static final String REJECT = "REJECT";
    /** A TCP reset fails a connect() at once; an ICMP port unreachable through a bridge took 1 s here. */
    static final String REJECT_TCP = "REJECT --reject-with tcp-reset";

    Rule {
        if (ports != null && protocol == null) {
            throw new IllegalArgumentException("a port match needs a protocol");
        }
    }

    static Rule jump(String target) {
        return new Rule(null, null, null, null, false, target, null);
    }

    Rule withComment(String c) {
        return new Rule(source, destination, protocol, ports, established, target, c);
    }

    /** The arguments after {@code -A <chain>}, in the order iptables-save prints them. */
    List<String> arguments() {
        List<String> a = new ArrayList<>();
        if (source != null) {
            a.addAll(List.of("-s", source));
        }
        if (destination != null) {
            a.addAll(List.of("-d", destination));
        }
        if (protocol != null) {
            a.addAll(List.of("-p", protocol));
        }
        if (comment != null) {
            a.addAll(List.of("-m", "comment", "--comment", comment));
        }
        if (ports != null) {
            a.addAll(List.of("-m", protocol, "--dport", ports));
        }
        if (established) {
            a.addAll(List.of("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"));
        }
        a.add("-j");
        a.addAll(List.of(target.split(" ")));
        return a;
    }

    /** The rule as an iptables-restore line for {@code chain}; the comment is quoted. */
    String render(String chain) {
        StringBuilder sb = new StringBuilder("-A ").append(chain);
        for (String arg : arguments()) {
            sb.append(' ');
            if (arg.equals(comment)) {
                sb.append('"').append(arg.replace("\"", "'")).append('"');
            } else {
                sb.append(arg);
            }
        }
        return sb.toString();
    }
}
