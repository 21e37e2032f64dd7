package io.kaji.node.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DockerKeyringTest {

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "busybox,index.docker.io,library/busybox",
            "busybox:1.36,index.docker.io,library/busybox",
            "team/app:1,index.docker.io,team/app",
            "docker.io/team/app,index.docker.io,team/app",
            "registry.example.com:5000/team/app:1,registry.example.com:5000,team/app",
            "localhost/app@sha256:abc,localhost,app",
            "127.0.0.1:5000/demo:1,127.0.0.1:5000,demo",
    })
    void splitsImageReferencesLikeDocker(String image, String registry, String path) {
        assertThat(DockerKeyring.registryAndPath(image)).containsExactly(registry, path);
    }

    @ParameterizedTest(name = "key {0} matches {1}: {2}")
    @CsvSource({
            "registry.example.com,registry.example.com/app:1,true",
            "registry.example.com,registry.example.com:5000/app:1,true",
            "registry.example.com:5000,registry.example.com:5000/app:1,true",
            "registry.example.com:5000,registry.example.com:5001/app:1,false",
            "https://registry.example.com/v2/,registry.example.com/v2/app,true",
            "registry.example.com/team,registry.example.com/team/app,true",
            "registry.example.com/team,registry.example.com/teams/app,false",
            "*.example.com,registry.example.com/app,true",
            "*.example.com,example.com/app,false",
            "https://index.docker.io/v1/,busybox,true",
            "docker.io,team/app,true",
            "other.example.com,registry.example.com/app,false",
    })
    void matchesKeysAsTheKubeletKeyringDoes(String key, String image, boolean matches) {
        DockerKeyring k = new DockerKeyring();
        k.add(key, new RegistryCredentials(key, "u", "p", ""));
        assertThat(k.lookup(image)).hasSize(matches ? 1 : 0);
    }

    @Test
    void readsBothSecretFormatsAndReturnsTheMostSpecificFirst() {
        DockerKeyring k = new DockerKeyring();
        k.addSecret("kubernetes.io/dockerconfigjson", Map.of(".dockerconfigjson", bytes(
                "{\"auths\":{\"registry.example.com\":{\"username\":\"wide\",\"password\":\"a\"},"
                        + "\"registry.example.com/team\":{\"auth\":\"dGVhbTpi\"}}}")));
        k.addSecret("kubernetes.io/dockercfg", Map.of(".dockercfg", bytes(
                "{\"other.example.com\":{\"username\":\"o\",\"password\":\"c\"}}")));
        assertThat(k.lookup("registry.example.com/team/app:1")).extracting(RegistryCredentials::key)
                .containsExactly("registry.example.com/team", "registry.example.com");
        assertThat(DockerKeyring.decodeAuth(k.lookup("registry.example.com/team/app").get(0).auth()))
                .containsExactly("team", "b");
        assertThat(k.lookup("other.example.com/x").get(0).username()).isEqualTo("o");
        assertThat(k.lookup("busybox")).isEmpty();
        assertThat(k.lookup("registry.example.com/team/app").get(0).toString()).doesNotContain("dGVhbTpi");
    }

    @Test
    void namesWhatIsWrongWithABadSecret() {
        DockerKeyring k = new DockerKeyring();
        assertThatThrownBy(() -> k.addSecret("Opaque", Map.of("token", bytes("x"))))
                .hasMessage("a secret of type Opaque has neither .dockerconfigjson nor .dockercfg");
        assertThatThrownBy(() -> k.addSecret("kubernetes.io/dockerconfigjson", Map.of(".dockerconfigjson", bytes("{"))))
                .hasMessageStartingWith("not a Docker config (.dockerconfigjson)");
        assertThatThrownBy(() -> k.addSecret("kubernetes.io/dockerconfigjson",
                Map.of(".dockerconfigjson", bytes("{\"auths\":[]}"))))
                .hasMessage("not a Docker config: \"auths\" is not an object");
        assertThat(k.isEmpty()).isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
