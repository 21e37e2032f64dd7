package io.kaji.apiserver.discovery;

import io.kaji.apiserver.serialization.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code /version} answer. Kaji reports the Kubernetes API level it implements (1.32, the middle of the
 * kubectl versions it is tested with, so that kubectl 1.31-1.33 print no version-skew warning), and its own build in
 * gitVersion's suffix.
 */
public final class VersionInfo {

    public static final String MAJOR = "1";
    public static final String MINOR = "32";

    private VersionInfo() {
    }

    /**
     * The Kubernetes-style version of this build, {@code v1.32.0+kaji.<kaji version>} (as k3s writes
     * {@code v1.30.2+k3s1}): the API level, semver-parseable by tools that check versions, with Kaji's own after.
     */
    public static String gitVersion(String kajiVersion) {
        return "v" + MAJOR + "." + MINOR + ".0+kaji." + kajiVersion;
    }

    public static ObjectNode document(String kajiVersion) {
        ObjectNode o = Json.object();
        o.put("major", MAJOR);
        o.put("minor", MINOR);
        o.put("gitVersion", gitVersion(kajiVersion));
        o.put("gitCommit", "unknown");
        o.put("gitTreeState", "clean");
        o.put("buildDate", "1970-01-01T00:00:00Z");
        o.put("goVersion", "java" + Runtime.version().feature());
        o.put("compiler", "javac");
        o.put("platform", System.getProperty("os.name").toLowerCase() + "/"
                + System.getProperty("os.arch").replace("x86_64", "amd64"));
        return o;
    }
}
