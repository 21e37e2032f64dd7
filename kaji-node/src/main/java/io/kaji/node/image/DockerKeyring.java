package io.kaji.node.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The registry credentials of a pod's image pull secrets, looked up per image the way the kubelet's keyring does:
 * secrets of type {@code kubernetes.io/dockerconfigjson} ({@code {"auths": {KEY: {...}}}}) and
 * {@code kubernetes.io/dockercfg} ({@code {KEY: {...}}}); a key is a registry host with an optional port and path
 * ({@code registry.example.com:5000/team}), possibly a URL ({@code https://index.docker.io/v1/}) and possibly with
 * {@code *} globs in host labels ({@code *.example.com}). An image matches a key when its registry host matches
 * (the port, if the key names one, must be equal) and its repository path starts with the key's path; Docker Hub
 * images ({@code busybox}, {@code library/x}) are on {@code docker.io} alias {@code index.docker.io}. Matches are
 * returned most specific (longest key) first, and the puller tries them in that order.
 */
public final class DockerKeyring {

    private static final String DOCKER_HUB = "index.docker.io";

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(String host, String port, String path, RegistryCredentials credentials) {}

    private final List<Entry> entries = new ArrayList<>();

    /**
     * Adds the credentials of one secret's data (values already base64-decoded).
     *
     * @throws IllegalArgumentException if the data holds neither {@code .dockerconfigjson} nor {@code .dockercfg}
     *                                  or they are not the JSON documents Docker writes
     */
    public void addSecret(String type, Map<String, byte[]> data) {
        byte[] json = data.get(".dockerconfigjson");
        boolean configJson = json != null;
        if (!configJson) {
            json = data.get(".dockercfg");
        }
        if (json == null) {
            throw new IllegalArgumentException("a secret of type " + type + " has neither .dockerconfigjson nor .dockercfg");
        }
        JsonNode auths;
        try {
            JsonNode doc = JSON.readTree(json);
            auths = configJson ? doc.path("auths") : doc;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a Docker config (" + (configJson ? ".dockerconfigjson" : ".dockercfg")
                    + "): " + e.getOriginalMessage(), e);
        }
        if (!auths.isObject()) {
            throw new IllegalArgumentException("not a Docker config: "
                    + (configJson ? "\"auths\" is not an object" : "not a JSON object"));
        }
        for (Map.Entry<String, JsonNode> e : auths.properties()) {
            JsonNode m = e.getValue();
            if (m.isObject()) {
                add(e.getKey(), new RegistryCredentials(e.getKey(), m.path("username").asString(""),
                        m.path("password").asString(""), m.path("auth").asString("")));
            }
        }
    }

    /** Files {@code credentials} under {@code key} (a registry, URL or glob as Docker config keys are written). */
    public void add(String key, RegistryCredentials credentials) {
        String k = key.trim();
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        while (k.endsWith("/")) {
            k = k.substring(0, k.length() - 1);
        }
        int slash = k.indexOf('/');
        String hostPort = slash < 0 ? k : k.substring(0, slash);
        String path = slash < 0 ? "" : k.substring(slash + 1);
        if (hostPort.equals("docker.io") || hostPort.equals(DOCKER_HUB)) {
            hostPort = DOCKER_HUB;
            if (path.equals("v1") || path.equals("v2")) {
                path = "";
            }
        }
        String[] hp = splitPort(hostPort);
        entries.add(new Entry(hp[0].toLowerCase(Locale.ROOT), hp[1], path, credentials));
        entries.sort(Comparator.comparingInt((Entry e) -> e.host.length() + e.path.length() + e.port.length())
                .reversed());
    }

    /** The credentials that apply to {@code image}, most specific first; empty when none (pull anonymously). */
    public List<RegistryCredentials> lookup(String image) {
        String[] ref = registryAndPath(image);
        String[] hp = splitPort(ref[0]);
        List<RegistryCredentials> out = new ArrayList<>();
        for (Entry e : entries) {
            if (hostMatches(e.host, hp[0]) && (e.port.isEmpty() || e.port.equals(hp[1]))
                    && (e.path.isEmpty() || ref[1].equals(e.path) || ref[1].startsWith(e.path + "/"))) {
                out.add(e.credentials);
            }
        }
        return out;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** {@code [registry host[:port], repository path]} of an image reference, with Docker Hub's defaults. */
    static String[] registryAndPath(String image) {
        String name = image;
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        String registry = hasRegistry ? first : DOCKER_HUB;
        String path = hasRegistry ? name.substring(slash + 1) : name;
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            path = path.substring(0, colon);
        }
        if (registry.equals("docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        return new String[] {registry.toLowerCase(Locale.ROOT), path};
    }

    private static String[] splitPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && hostPort.indexOf(']') < colon) {
            return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
        }
        return new String[] {hostPort, ""};
    }

    /** Host labels compared one by one; a key label may be a glob ({@code *}, {@code reg*}), as the kubelet allows. */
    private static boolean hostMatches(String pattern, String host) {
        String[] p = pattern.split("\\.");
        String[] h = host.split("\\.");
        if (p.length != h.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (!glob(p[i], h[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean glob(String pattern, String text) {
        if (!pattern.contains("*")) {
            return pattern.equals(text);
        }
        String regex = ("\\Q" + pattern + "\\E").replace("*", "\\E[^.]*\\Q");
        return text.matches(regex);
    }

    /** The user and password {@code auth} encodes ({@code base64(user:password)}), for tests and messages. */
    static String[] decodeAuth(String auth) {
        String s = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
        int colon = s.indexOf(':');
        return colon < 0 ? new String[] {s, ""} : new String[] {s.substring(0, colon), s.substring(colon + 1)};
    }
}
