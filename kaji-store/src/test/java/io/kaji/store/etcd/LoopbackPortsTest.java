package io.kaji.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    @Test
    void probedPortsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            int port = LoopbackPorts.free(taken);
            assertThat(port).isBetween(20000, 31999);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
        assertThat(taken).hasSize(30);
    }

    @Test
    void aPortHeldByAnotherProcessIsNotHandedOut() throws Exception {
        Set<Integer> taken = new HashSet<>();
        int first = LoopbackPorts.free(taken);
        try (ServerSocket held = new ServerSocket(first, 1, InetAddress.getLoopbackAddress())) {
            Set<Integer> fresh = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                assertThat(LoopbackPorts.free(fresh)).isNotEqualTo(first);
            }
        }
    }
}
