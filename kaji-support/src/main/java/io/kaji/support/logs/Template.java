package io.kaji.support.logs;

/**
 * A mined log template: the cluster's id, its text with {@code <*>} for each parameter, and the number of
 * messages that joined it. Immutable snapshot.
 *
 * @param id the cluster id, stable for the life of the cluster (and across save/restore)
 * @param template the template text, tokens joined by single spaces
 * @param size how many messages the cluster has absorbed
 */
public record Template(long id, String template, long size) {
}
