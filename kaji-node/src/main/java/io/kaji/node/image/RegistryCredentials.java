package io.kaji.node.image;

/**
 * Credentials for one registry, as an image pull secret holds them and the CRI's {@code AuthConfig} carries them
 * to containerd. {@link #toString()} never shows the secret parts.
 *
 * @param key      the key they were filed under in the secret ({@code registry.example.com:5000}, a URL, a glob)
 * @param username user name, or empty
 * @param password password, or empty
 * @param auth     base64 of {@code user:password} when the secret gives it that way, or empty
 */
public record RegistryCredentials(String key, String username, String password, String auth) {

    public RegistryCredentials {
        key = key == null ? "" : key;
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        auth = auth == null ? "" : auth;
    }

    @Override
    public String toString() {
        return "RegistryCredentials[" + key + ", user " + (username.isEmpty() ? "(from auth)" : username) + "]";
    }
}
