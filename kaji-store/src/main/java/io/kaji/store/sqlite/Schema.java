package io.kaji.store.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The store's tables, in the kine manner: one append-only log where the row id is the revision.
 *
 * <ul>
 *   <li>Every write appends a row; a delete appends a tombstone ({@code deleted = 1}).</li>
 *   <li>{@code prev_revision} points at the row this one replaced (0 for a first create). The unique index on
 *       (name, prev_revision) makes a lost compare-and-swap impossible to commit even if the writer's own
 *       check were wrong: two rows can never both succeed the same version.</li>
 *   <li>AUTOINCREMENT keeps {@code sqlite_sequence} at the highest revision ever written, so the revision keeps
 *       increasing after compaction removes the newest row (a tombstone) or after a restart.</li>
 * </ul>
 */
final class Schema {

    static final int VERSION = 1;

    private Schema() {
    }

    static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS kv (
                      id              INTEGER PRIMARY KEY AUTOINCREMENT,
                      name            TEXT    NOT NULL,
                      deleted         INTEGER NOT NULL,
                      create_revision INTEGER NOT NULL,
                      prev_revision   INTEGER NOT NULL,
                      version         INTEGER NOT NULL,
                      value           BLOB
                    )""");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id)");
            s.executeUpdate("CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev ON kv (name, prev_revision)");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            s.executeUpdate("INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', " + VERSION + ")");
            s.executeUpdate("INSERT OR IGNORE INTO meta (name, value) VALUES ('compact_revision', 0)");
        }
    }

    /** The latest version of one key at or below a revision. */
    static final String SELECT_AT = """
            SELECT id, create_revision, version, deleted, value FROM kv
            WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1""";

    /** The latest version of one key (the writer's compare-and-swap read). */
    static final String SELECT_LATEST = """
            SELECT id, create_revision, version, deleted, value FROM kv
            WHERE name = ? ORDER BY id DESC LIMIT 1""";

    static final String INSERT = """
            INSERT INTO kv (id, name, deleted, create_revision, prev_revision, version, value)
            VALUES (?, ?, ?, ?, ?, ?, ?)""";

    /** Keys in [start, end) as of a revision, live ones only, in key order. */
    static final String RANGE_FROM = range(">=");

    /** Keys in (start, end) as of a revision, live ones only, in key order: a continued range. */
    static final String RANGE_AFTER = range(">");

    /** The same as {@link #RANGE_FROM} for whole ranges: one grouped pass beats a lookup per row there. */
    static final String RANGE_ALL_FROM = rangeAll(">=");

    static final String RANGE_ALL_AFTER = rangeAll(">");

    private static String rangeAll(String startOp) {
        return """
                SELECT kv.id, kv.name, kv.create_revision, kv.version, kv.value FROM kv
                JOIN (SELECT MAX(id) AS mid FROM kv WHERE name %s ? AND name < ? AND id <= ? GROUP BY name) latest
                  ON kv.id = latest.mid
                WHERE kv.deleted = 0
                ORDER BY kv.name LIMIT ?""".formatted(startOp);
    }

    private static String range(String startOp) {
        // Walks the (name, id) index in key order and keeps, per key, the row that is the newest at the read
        // revision: so a page stops after LIMIT keys instead of grouping the whole prefix first.
        return """
                SELECT kv.id, kv.name, kv.create_revision, kv.version, kv.value FROM kv
                WHERE kv.name %s ? AND kv.name < ? AND kv.deleted = 0
                  AND kv.id = (SELECT MAX(k2.id) FROM kv AS k2 WHERE k2.name = kv.name AND k2.id <= ?)
                ORDER BY kv.name LIMIT ?""".formatted(startOp);
    }

    static final String COUNT = """
            SELECT COUNT(*) FROM kv
            JOIN (SELECT MAX(id) AS mid FROM kv WHERE name >= ? AND name < ? AND id <= ? GROUP BY name) latest
              ON kv.id = latest.mid
            WHERE kv.deleted = 0""";

    /** Changes after a revision up to another, under a prefix, with the row each replaced. */
    static final String HISTORY = """
            SELECT kv.id, kv.name, kv.create_revision, kv.version, kv.deleted, kv.value,
                   prev.id, prev.create_revision, prev.version, prev.deleted, prev.value
            FROM kv LEFT JOIN kv AS prev ON prev.id = kv.prev_revision
            WHERE kv.id > ? AND kv.id <= ? AND kv.name >= ? AND kv.name < ?
            ORDER BY kv.id""";

    static final String CURRENT_REVISION = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kv'), 0)";

    static final String COMPACT_REVISION = "SELECT value FROM meta WHERE name = 'compact_revision'";

    /**
     * Removes, among rows with id in (from, to], those that no read at revision {@code >= compactTo} can see:
     * tombstones, and versions superseded by a newer version at or below {@code compactTo}.
     */
    static final String COMPACT_CHUNK = """
            DELETE FROM kv WHERE id > ? AND id <= ? AND (deleted = 1 OR id < (
              SELECT MAX(k2.id) FROM kv AS k2 WHERE k2.name = kv.name AND k2.id <= ?))""";

    static final String SET_COMPACT_REVISION = "UPDATE meta SET value = ? WHERE name = 'compact_revision'";
}
