package io.kaji.store.sqlite;

/**
 * Settings of the embedded SQLite store; {@link #defaults()} is what {@code kaji server} uses.
 *
 * @param durableCommits   {@code true} (default): every commit is fsynced ({@code synchronous=FULL}), so an
 *                         acknowledged write survives power loss; {@code false} uses {@code synchronous=NORMAL},
 *                         which survives a process crash (kill -9) but not power loss
 * @param maxBatch         writes committed together at most (group commit): concurrent writers share one fsync
 * @param readConnections  connections serving reads concurrently (WAL readers do not block the writer)
 * @param maxWatchBacklog  events a watcher may have queued before it is ended with an error
 */
public record SqliteOptions(boolean durableCommits, int maxBatch, int readConnections, int maxWatchBacklog) {

    public SqliteOptions {
        if (maxBatch < 1 || readConnections < 1 || maxWatchBacklog < 1) {
            throw new IllegalArgumentException("sqlite options must be positive: " + maxBatch + ", "
                    + readConnections + ", " + maxWatchBacklog);
        }
    }

    public static SqliteOptions defaults() {
        return new SqliteOptions(true, 1000, 4, 200_000);
    }

    public SqliteOptions withDurableCommits(boolean durable) {
        return new SqliteOptions(durable, maxBatch, readConnections, maxWatchBacklog);
    }

    public SqliteOptions withMaxWatchBacklog(int backlog) {
        return new SqliteOptions(durableCommits, maxBatch, readConnections, backlog);
    }
}
