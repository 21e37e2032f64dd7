package io.kaji.support.logs;

import java.util.List;
import java.util.Map;

/**
 * The saved form of a {@link LogMiner}: its configuration, its clusters in least-recently-used order
 * (oldest first) with their prefix-tree routes and templates, and the ids of merged clusters. Serialized
 * as JSON by {@link MinerStateCodec}. Immutable value.
 *
 * @param formatVersion {@link #FORMAT_VERSION} when written by this code
 * @param config the miner's configuration
 * @param nextId the id the next new cluster gets
 * @param clusters the clusters, least recently used first
 * @param aliases ids of merged clusters to the id that absorbed each
 */
public record MinerState(
        int formatVersion, MinerConfig config, long nextId, List<ClusterState> clusters, Map<Long, Long> aliases) {

    /** The version of the state format this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    public MinerState {
        clusters = clusters == null ? null : List.copyOf(clusters);
        aliases = aliases == null ? Map.of() : Map.copyOf(aliases);
    }

    /**
     * One cluster.
     *
     * @param id its id
     * @param size how many messages joined it
     * @param shapes its fixed-length templates (several after a variable-length merge)
     * @param mergeKeys the collapsed template texts under which it takes part in variable-length merging
     */
    public record ClusterState(long id, long size, List<ShapeState> shapes, List<String> mergeKeys) {
        public ClusterState {
            shapes = List.copyOf(shapes);
            mergeKeys = mergeKeys == null ? List.of() : List.copyOf(mergeKeys);
        }
    }

    /**
     * One fixed-length template and where it sits in the prefix tree.
     *
     * @param route the routing keys below the length level
     * @param tokens the template tokens
     */
    public record ShapeState(List<String> route, List<String> tokens) {
        public ShapeState {
            route = List.copyOf(route);
            tokens = List.copyOf(tokens);
        }
    }
}
