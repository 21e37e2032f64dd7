package io.kaji.cli;

import java.nio.file.Path;

/**
 * Where a server keeps its state, and the files {@code kaji up}, {@code down} and {@code status} share with it.
 * The default is {@code /var/lib/kaji} for root (like k3s' /var/lib/rancher/k3s) and {@code ~/.kaji} otherwise.
 *
 * @param path the data dir, absolute and normalized
 */
record DataDir(Path path) {

    static final Path ROOT_DEFAULT = Path.of("/var/lib/kaji");

    DataDir {
        path = path.toAbsolutePath().normalize();
    }

    /** {@code given}, or the default for this user. */
    static DataDir of(Path given) {
        return new DataDir(given != null ? given : defaultPath());
    }

    static Path defaultPath() {
        return isRoot() ? ROOT_DEFAULT : Path.of(System.getProperty("user.home"), ".kaji");
    }

    static boolean isRoot() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        } catch (RuntimeException | LinkageError e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    Path kubeconfig() {
        return path.resolve("kubeconfig");
    }

    Path pidFile() {
        return path.resolve("server.pid");
    }

    Path log() {
        return path.resolve("server.log");
    }

    Path nodeToken() {
        return path.resolve("node-token");
    }

    /** The in-process agent's node data dir ({@code kaji server} puts it under {@code node/}). */
    Path node() {
        return path.resolve("node");
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
