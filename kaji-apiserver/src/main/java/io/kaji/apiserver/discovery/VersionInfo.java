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

    public static ObjectNode document(String kajiVersion) {
        ObjectNode o = Json.object();
        o.put("major", MAJOR);
        o.put("minor", MINOR);
        o.put("gitVersion", "v" + MAJOR + "." + MINOR + ".0+kaji." + kajiVersion);
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
