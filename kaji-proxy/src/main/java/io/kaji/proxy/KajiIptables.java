package io.kaji.proxy;

import java.util.List;
import java.util.Set;

/**
 * Removes every Kaji chain from the host, for {@code kaji down}: all {@code KAJI-*} chains of every proxy and
 * network-policy instance in the nat and filter tables, and the rules in built-in chains that jump to them.
 * Blocking; each table in one iptables-restore transaction.
 */
public final class KajiIptables {

    private KajiIptables() {
    }

    /**
     * Removes all {@code KAJI-*} chains and the jumps to them.
     *
     * @throws java.io.UncheckedIOException if iptables fails (the message names the command and its error)
     */
    public static void removeAll() {
        for (String table : Iptables.TABLES) {
            remove(table, chain -> chain.startsWith(ChainNames.PREFIX));
        }
    }

    /**
     * Removes the chains whose names start with {@code prefix} (one node's, {@code KAJI-<tag>-}, or all of Kaji's,
     * {@code KAJI-}) from the nat and filter tables, with the jumps to them; returns how many chains went.
     *
     * @throws IllegalArgumentException if {@code prefix} does not start with {@code KAJI-}: only Kaji's chains
     */
    public static int removeWithPrefix(String prefix) {
        if (!prefix.startsWith(ChainNames.PREFIX)) {
            throw new IllegalArgumentException("chain prefix \"" + prefix + "\": only Kaji's chains ("
                    + ChainNames.PREFIX + "*) may be removed");
        }
        int removed = 0;
        for (String table : Iptables.TABLES) {
            removed += remove(table, chain -> chain.startsWith(prefix));
        }
        return removed;
    }

    /** Removes the chains passing {@code owned} from {@code table}, with the built-in chains' jumps to them. */
    static int remove(String table, java.util.function.Predicate<String> owned) {
        List<String> saved = Iptables.save(table);
        Set<String> chains = Iptables.chains(saved, owned);
        List<String> jumps = Iptables.jumpsInto(saved, owned).stream().map(r -> "-D" + r.substring(2)).toList();
        if (chains.isEmpty() && jumps.isEmpty()) {
            return 0;
        }
        Iptables.restore(RuleGenerator.deleteChains(table, chains, jumps));
        return chains.size();
    }
}
