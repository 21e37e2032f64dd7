package io.kaji.store;

import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Where a store lives, as written on the command line: {@code sqlite:/var/lib/kaji/db} or
 * {@code etcd:http://127.0.0.1:2379,http://127.0.0.1:2381}.
 */
public sealed interface StoreLocation {

    /** Opens (or connects to) the store. */
    RevisionedStore open();

    record Sqlite(Path directory) implements StoreLocation {
        @Override
        public RevisionedStore open() {
            return SqliteStore.open(directory);
        }

        @Override
        public String toString() {
            return "sqlite:" + directory;
        }
    }

    record Etcd(EtcdOptions options) implements StoreLocation {
        @Override
        public RevisionedStore open() {
            return EtcdStore.connect(options);
        }

        @Override
        public String toString() {
            return "etcd:" + String.join(",", options.endpoints());
        }
    }

    /**
     * Parses {@code sqlite:DIR} or {@code etcd:URL[,URL...]}; throws {@link IllegalArgumentException} with a
     * message that shows the accepted forms.
     */
    static StoreLocation parse(String text) {
        String usage = "expected sqlite:<directory> or etcd:<url>[,<url>...], e.g. etcd:http://127.0.0.1:2379";
        if (text == null || !text.contains(":")) {
            throw new IllegalArgumentException("store \"" + text + "\": " + usage);
        }
        String kind = text.substring(0, text.indexOf(':'));
        String rest = text.substring(text.indexOf(':') + 1);
        if (rest.isBlank()) {
            throw new IllegalArgumentException("store \"" + text + "\": " + usage);
        }
        return switch (kind) {
            case "sqlite" -> new Sqlite(Path.of(rest));
            case "etcd" -> {
                List<String> endpoints = Arrays.stream(rest.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                yield new Etcd(EtcdOptions.of(endpoints));
            }
            default -> throw new IllegalArgumentException("store \"" + text + "\": unknown kind \"" + kind + "\"; " + usage);
        };
    }
}
