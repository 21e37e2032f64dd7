package io.kaji.support.logs;

/**
 * What {@link LogMiner#add(String)} did with one message. Immutable.
 *
 * @param clusterId the id of the cluster the message joined
 * @param template the cluster's template after the message joined it
 * @param clusterSize the cluster's size after the message joined it
 * @param change whether the cluster was created, generalised or just matched
 */
public record Match(long clusterId, String template, long clusterSize, Change change) {

    /** How a message changed the miner's clusters. */
    public enum Change {
        /** The message started a new cluster. */
        CREATED,
        /** The message joined a cluster and turned some of its template tokens into wildcards (or merged two clusters). */
        GENERALIZED,
        /** The message fitted an existing template unchanged. */
        MATCHED
    }
}
