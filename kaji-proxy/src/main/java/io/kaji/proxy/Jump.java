package io.kaji.proxy;

import java.util.List;

/**
 * A rule in a built-in chain that jumps to one of the proxy's chains: the only rules the proxy places outside its
 * own chains. {@code args} are the rule's arguments as iptables takes them on its command line, ending with
 * {@code -j target}.
 */
record Jump(String table, String chain, List<String> args) {

    String target() {
        return args.get(args.size() - 1);
    }
}
