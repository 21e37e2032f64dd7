package io.kaji.support.logs;

import java.util.ArrayList;
import java.util.List;

/**
 * A cluster as users see it: an id, a template text and a size, made of one or more {@link Shape}s.
 * Mutable, owned by one {@link LogMiner} and guarded by its lock.
 */
final class Group {
    final long id;
    long size;
    final List<Shape> shapes = new ArrayList<>(1);
    /** The collapsed template texts indexed for this cluster (for variable-length merging). */
    final List<String> keys = new ArrayList<>(1);
    String text;

    Group(long id) {
        this.id = id;
    }

    Template snapshot() {
        return new Template(id, text, size);
    }
}
