package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.controllers.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kubelet's request attributes, the privileged callers, and the review caches with their lifetimes. */
class AgentAuthTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T00:00:00Z"));
    private final List<String> asked = new ArrayList<>();
    private boolean apiDown;

    private final AgentAuth.Reviews reviews = new AgentAuth.Reviews() {
        @Override
        public Optional<AgentAuth.Caller> token(String token) {
            asked.add("token " + token);
            if (apiDown) {
                throw new IllegalStateException("connection refused");
            }
            return token.equals("good") ? Optional.of(new AgentAuth.Caller("system:serviceaccount:mon:prom", "u-1",
                    List.of("system:serviceaccounts"), Map.of())) : Optional.empty();
        }

        @Override
        public AgentAuth.Decision access(AgentAuth.Caller caller, AgentAuth.Attributes attributes, String node) {
            asked.add("access " + caller.name() + " " + attributes.verb() + " " + attributes.subresource() + " "
                    + node);
            if (apiDown) {
                throw new IllegalStateException("connection refused");
            }
            return new AgentAuth.Decision(attributes.subresource().equals("metrics"), "");
        }
    };

    private final AgentAuth auth = new AgentAuth(reviews, "n1", clock);

    @Test
    void theKubeletsVerbsAndSubresources() {
        assertThat(AgentAuth.attributes("GET", "/metrics/cadvisor")).isEqualTo(new AgentAuth.Attributes("get",
                "metrics"));
        assertThat(AgentAuth.attributes("HEAD", "/metrics")).isEqualTo(new AgentAuth.Attributes("get", "metrics"));
        assertThat(AgentAuth.attributes("GET", "/stats/summary").subresource()).isEqualTo("stats");
        assertThat(AgentAuth.attributes("GET", "/logs/syslog").subresource()).isEqualTo("log");
        assertThat(AgentAuth.attributes("GET", "/spec/").subresource()).isEqualTo("spec");
        assertThat(AgentAuth.attributes("POST", "/checkpoint/ns/pod/c"))
                .isEqualTo(new AgentAuth.Attributes("create", "checkpoint"));
        assertThat(AgentAuth.attributes("GET", "/containerLogs/ns/pod/c").subresource()).isEqualTo("proxy");
        assertThat(AgentAuth.attributes("POST", "/exec/ns/pod/c")).isEqualTo(new AgentAuth.Attributes("create",
                "proxy"));
        assertThat(AgentAuth.attributes("GET", "/metricsx").subresource()).as("a subpath, not a prefix")
                .isEqualTo("proxy");
        assertThat(AgentAuth.attributes("PUT", "/pods").verb()).isEqualTo("update");
        assertThat(AgentAuth.attributes("PATCH", "/pods").verb()).isEqualTo("patch");
        assertThat(AgentAuth.attributes("DELETE", "/pods").verb()).isEqualTo("delete");
    }

    @Test
    void theApiServersClientAndMastersAreNotAskedAbout() throws Exception {
        var attributes = AgentAuth.attributes("POST", "/exec/ns/pod/c");
        assertThat(auth.authorize(AgentAuth.Caller.ofCertificate(AgentServer.API_SERVER_CLIENT, List.of()),
                attributes).allowed()).isTrue();
        assertThat(auth.authorize(AgentAuth.Caller.ofCertificate("admin", List.of("system:masters")), attributes)
                .allowed()).isTrue();
        assertThat(asked).isEmpty();
    }

    @Test
    void tokensAreCachedTwoMinutesAndRefusalsTenSeconds() throws Exception {
        assertThat(auth.authenticateToken("good")).map(AgentAuth.Caller::name)
                .contains("system:serviceaccount:mon:prom");
        assertThat(auth.authenticateToken("bad")).isEmpty();
        clock.advance(Duration.ofSeconds(9));
        auth.authenticateToken("good");
        auth.authenticateToken("bad");
        assertThat(asked).containsExactly("token good", "token bad");
        clock.advance(Duration.ofSeconds(2));
        auth.authenticateToken("bad");
        assertThat(asked).as("a refusal is asked again after 10 s").hasSize(3);
        clock.advance(Duration.ofSeconds(110));
        auth.authenticateToken("good");
        assertThat(asked).as("an authenticated token after 2 min").hasSize(4);
        assertThat(auth.authenticateToken("")).isEmpty();
        assertThat(asked).as("an empty token is not sent").hasSize(4);
    }

    @Test
    void decisionsAreCachedFiveMinutesWhenAllowedAndThirtySecondsWhenDenied() throws Exception {
        AgentAuth.Caller prom = new AgentAuth.Caller("system:serviceaccount:mon:prom", "u-1",
                List.of("system:serviceaccounts"), Map.of());
        var metrics = AgentAuth.attributes("GET", "/metrics");
        var pods = AgentAuth.attributes("GET", "/pods");
        assertThat(auth.authorize(prom, metrics).allowed()).isTrue();
        assertThat(auth.authorize(prom, pods).allowed()).isFalse();
        assertThat(asked).containsExactly("access system:serviceaccount:mon:prom get metrics n1",
                "access system:serviceaccount:mon:prom get proxy n1");
        clock.advance(Duration.ofSeconds(31));
        auth.authorize(prom, metrics);
        auth.authorize(prom, pods);
        assertThat(asked).as("only the denial is asked again").hasSize(3);
        clock.advance(Duration.ofMinutes(5));
        auth.authorize(prom, metrics);
        assertThat(asked).hasSize(4);
        AgentAuth.Caller other = new AgentAuth.Caller("system:serviceaccount:mon:prom", "u-2",
                List.of("system:serviceaccounts"), Map.of());
        auth.authorize(other, metrics);
        assertThat(asked).as("another uid is another caller").hasSize(5);
    }

    @Test
    void anUnreachableApiServerIsAFailureNotADecision() throws Exception {
        apiDown = true;
        assertThatThrownBy(() -> auth.authenticateToken("good")).isInstanceOf(AgentAuth.ReviewFailedException.class)
                .hasMessage("TokenReview failed: connection refused");
        AgentAuth.Caller alice = AgentAuth.Caller.ofCertificate("alice", List.of());
        assertThatThrownBy(() -> auth.authorize(alice, AgentAuth.attributes("GET", "/metrics")))
                .hasMessage("SubjectAccessReview failed: connection refused");
        apiDown = false;
        assertThat(auth.authorize(alice, AgentAuth.attributes("GET", "/metrics")).allowed())
                .as("a failure is not cached").isTrue();
    }

    @Test
    void withoutAnApiClientOnlyThePrivilegedGetIn() throws Exception {
        AgentAuth local = new AgentAuth(null, "n1", clock);
        assertThat(local.authenticateToken("good")).isEmpty();
        assertThat(local.authorize(AgentAuth.Caller.ofCertificate("alice", List.of()),
                AgentAuth.attributes("GET", "/metrics")).allowed()).isFalse();
        assertThat(local.authorize(AgentAuth.Caller.ofCertificate(AgentServer.API_SERVER_CLIENT, List.of()),
                AgentAuth.attributes("GET", "/metrics")).allowed()).isTrue();
    }
}
