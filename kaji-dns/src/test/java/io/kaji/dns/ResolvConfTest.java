package io.kaji.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static List<String> names(List<InetSocketAddress> servers) {
        return servers.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList();
    }

    @Test
    void readsNameserversInOrderOnPort53() throws Exception {
        Path conf = write("resolv.conf", """
                # comment
                search example.org
                nameserver 192.0.2.1
                nameserver   fe80::1%eth0
                nameserver not-an-ip
                options ndots:5
                nameserver 192.0.2.2
                """);
        assertThat(names(ResolvConf.upstreams(conf, dir.resolve("none"), List.of(new InetSocketAddress("100.64.0.1", 53)))))
                .containsExactly("192.0.2.1:53", "fe80:0:0:0:0:0:0:1:53", "192.0.2.2:53");
    }

    @Test
    void systemdStubIsReplacedByTheServersBehindIt() throws Exception {
        Path conf = write("resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
        Path real = write("real.conf", "nameserver 192.0.2.9\n");
        assertThat(names(ResolvConf.upstreams(conf, real, List.of(new InetSocketAddress("100.64.0.1", 53)))))
                .containsExactly("192.0.2.9:53");
        assertThat(ResolvConf.upstreams(conf, dir.resolve("none"), List.of(new InetSocketAddress("100.64.0.1", 53))))
                .as("a stub we cannot see behind is dropped rather than risk a loop").isEmpty();
    }

    @Test
    void ourOwnAddressesAreNeverUpstreams() throws Exception {
        Path conf = write("resolv.conf", "nameserver 100.64.0.1\nnameserver 127.0.0.1\nnameserver 192.0.2.1\n");
        assertThat(names(ResolvConf.upstreams(conf, dir.resolve("none"), List.of(new InetSocketAddress("100.64.0.1", 53)))))
                .as("ourselves skipped; the loopback stub dropped while a real server is listed")
                .containsExactly("192.0.2.1:53");
        assertThat(names(ResolvConf.upstreams(conf, dir.resolve("none"), List.of(new InetSocketAddress("0.0.0.0", 53)))))
                .as("a wildcard listener on 53 is every local address (100.64.0.1 is not one here)")
                .containsExactly("100.64.0.1:53", "192.0.2.1:53");
        assertThat(names(ResolvConf.upstreams(conf, dir.resolve("none"), List.of(new InetSocketAddress("100.64.0.1", 5353)))))
                .as("another port is not us").containsExactly("100.64.0.1:53", "192.0.2.1:53");
    }

    @Test
    void aLoopbackResolverAloneIsKept() throws Exception {
        Path conf = write("resolv.conf", "nameserver 127.0.0.1\n");
        assertThat(names(ResolvConf.upstreams(conf, dir.resolve("none"), List.of(new InetSocketAddress("100.64.0.1", 53)))))
                .containsExactly("127.0.0.1:53");
    }

    @Test
    void missingFileMeansNoUpstreams() {
        assertThat(ResolvConf.upstreams(dir.resolve("missing"), dir.resolve("none"), List.of(new InetSocketAddress(53))))
                .isEmpty();
    }
}
