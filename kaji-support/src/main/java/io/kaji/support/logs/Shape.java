package io.kaji.support.logs;

/**
 * One fixed-length template inside a cluster ({@link Group}); a cluster has several shapes when
 * {@link MinerConfig#mergeVariableLength()} merged templates of different token counts. Mutable, owned by
 * one {@link LogMiner} and guarded by its lock.
 */
final class Shape {
    /** The routing keys, one per prefix-tree level below the length level. */
    final String[] route;
    /** The template tokens; a position becomes {@link Masker#WILDCARD} when messages differ there. */
    final String[] tokens;
    Group group;

    Shape(String[] route, String[] tokens, Group group) {
        this.route = route;
        this.tokens = tokens;
        this.group = group;
    }
}
