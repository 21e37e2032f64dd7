package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.kaji.apiserver.apply.FieldManager;
import org.junit.jupiter.api.Test;

class UserAgentsTest {

    @Test
    void componentsNameTheirWritesAfterThemselves() {
        Config config = UserAgents.of(new ConfigBuilder().withMasterUrl("https://127.0.0.1:6443").build(),
                UserAgents.CONTROLLER_MANAGER);
        assertThat(config.getUserAgent()).startsWith("kaji-controller-manager/").endsWith(" (linux/amd64) kaji");
        // the API server derives the field manager of a write from the User-Agent's first segment
        assertThat(FieldManager.managerOf(null, config.getUserAgent())).isEqualTo("kaji-controller-manager");
        assertThat(FieldManager.managerOf(null, UserAgents.of(config, UserAgents.AGENT).getUserAgent()))
                .isEqualTo("kaji-agent");
    }
}
