package io.kaji.store.backup;

/** Progress of a long copy, called from a background thread every half second or so. */
@FunctionalInterface
public interface BackupProgress {

    /**
     * @param done          bytes written so far
     * @param expectedTotal the expected total, an estimate that may be exceeded; -1 when unknown
     */
    void update(long done, long expectedTotal);

    /** Reports nothing. */
    BackupProgress NONE = (d, t) -> { };
}
