package io.kaji.netpol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The whole content of one enforcer's chains: the top chain (jumped to from FORWARD) and one chain per isolated
 * pod and direction. A value: equal rule sets render to equal iptables-restore input.
 */
record RuleSet(String top, Map<String, List<Rule>> chains) {

    RuleSet {
        Map<String, List<Rule>> copy = new LinkedHashMap<>();
        chains.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        chains = java.util.Collections.unmodifiableMap(copy);
        if (!chains.containsKey(top)) {
            throw new IllegalArgumentException("rule set without its top chain " + top);
        }
    }

    List<Rule> chain(String name) {
        return chains.getOrDefault(name, List.of());
    }

    int ruleCount() {
        return chains.values().stream().mapToInt(List::size).sum();
    }

    /**
     * iptables-restore input (for {@code --noflush}) that makes the owned chains exactly this rule set: every
     * desired chain is declared (created if missing, flushed if present) and refilled; every chain in
     * {@code existingOwned} that is no longer wanted is declared (flushed) and deleted. One COMMIT: the kernel
     * sees all of it or none.
     */
    String restoreScript(Collection<String> existingOwned) {
        Set<String> stale = new TreeSet<>(existingOwned);
        stale.removeAll(chains.keySet());
        StringBuilder sb = new StringBuilder("*filter\n");
        List<String> declared = new ArrayList<>(chains.keySet());
        declared.addAll(stale);
        for (String c : declared) {
            sb.append(':').append(c).append(" - [0:0]\n");
        }
        chains.forEach((name, rules) -> rules.forEach(r -> sb.append(r.render(name)).append('\n')));
        for (String c : stale) {
            sb.append("-X ").append(c).append('\n');
        }
        return sb.append("COMMIT\n").toString();
    }

    /** iptables-restore input that flushes and deletes {@code owned}. */
    static String deleteScript(Collection<String> owned) {
        StringBuilder sb = new StringBuilder("*filter\n");
        Set<String> sorted = new TreeSet<>(owned);
        sorted.forEach(c -> sb.append(':').append(c).append(" - [0:0]\n"));
        sorted.forEach(c -> sb.append("-X ").append(c).append('\n'));
        return sb.append("COMMIT\n").toString();
    }
}
