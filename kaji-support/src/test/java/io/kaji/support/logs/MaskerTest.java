package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaskerTest {

    private final Masker all = new Masker(EnumSet.allOf(MaskRule.class));

    private static Masker only(MaskRule rule) {
        return new Masker(Set.of(rule));
    }

    @Test
    void masksNumbersWithUnitsAndSignsButNotWords() {
        Masker m = only(MaskRule.NUMBER);
        assertThat(m.maskToken("42")).isEqualTo("<*>");
        assertThat(m.maskToken("-3.25")).isEqualTo("<*>");
        assertThat(m.maskToken("1.5e-3")).isEqualTo("<*>");
        assertThat(m.maskToken("12KB")).isEqualTo("<*>");
        assertThat(m.maskToken("99%")).isEqualTo("<*>");
        assertThat(m.maskToken("(42)")).isEqualTo("(<*>)");
        assertThat(m.maskToken("size=42,")).isEqualTo("size=<*>,");
        assertThat(m.maskToken("terminating")).isEqualTo("terminating");
        assertThat(m.maskToken("abc12defghij")).as("digits inside a word are not a number").isEqualTo("abc12defghij");
    }

    @Test
    void masksHexOnlyWithPrefixOrLongRunsWithADigit() {
        Masker m = only(MaskRule.HEX);
        assertThat(m.maskToken("0x1F")).isEqualTo("<*>");
        assertThat(m.maskToken("003a90fc")).isEqualTo("<*>");
        assertThat(m.maskToken("deadbeef")).as("no decimal digit: could be a word").isEqualTo("deadbeef");
        assertThat(m.maskToken("cafe1")).as("too short").isEqualTo("cafe1");
    }

    @Test
    void masksIpv4WithPortOrPrefixAndIpv6() {
        Masker m = only(MaskRule.IP);
        assertThat(m.maskToken("10.0.0.1")).isEqualTo("<*>");
        assertThat(m.maskToken("10.0.0.1:8080")).isEqualTo("<*>");
        assertThat(m.maskToken("10.0.0.0/16")).isEqualTo("<*>");
        assertThat(m.maskToken("addr=10.10.34.11:45307")).isEqualTo("addr=<*>");
        assertThat(m.maskToken("fe80::1ff:fe23:4567:890a")).isEqualTo("<*>");
        assertThat(m.maskToken("rhost=218.188.2.4")).isEqualTo("rhost=<*>");
        assertThat(m.maskToken("1.2.3")).isEqualTo("1.2.3");
    }

    @Test
    void masksUuids() {
        Masker m = only(MaskRule.UUID);
        assertThat(m.maskToken("b9000564-fe1a-409b-b8cc-1e88b294cd1d")).isEqualTo("<*>");
        assertThat(m.maskToken("b9000564-fe1a-409b-b8cc-1e88b294cd1d]")).isEqualTo("<*>]");
        assertThat(m.maskToken("b9000564-fe1a-409b-b8cc")).isEqualTo("b9000564-fe1a-409b-b8cc");
    }

    @Test
    void masksDurations() {
        Masker m = only(MaskRule.DURATION);
        assertThat(m.maskToken("250ms")).isEqualTo("<*>");
        assertThat(m.maskToken("1h2m3.5s")).isEqualTo("<*>");
        assertThat(m.maskToken("took=3m20s")).isEqualTo("took=<*>");
        assertThat(m.maskToken("3mx")).isEqualTo("3mx");
    }

    @Test
    void masksPathsAndUrls() {
        Masker m = only(MaskRule.PATH);
        assertThat(m.maskToken("/etc/httpd/conf/workers2.properties")).isEqualTo("<*>");
        assertThat(m.maskToken("https://example.com/a?b=c")).isEqualTo("<*>");
        assertThat(m.maskToken("~/x")).isEqualTo("<*>");
        assertThat(m.maskToken("and/or")).isEqualTo("and/or");
        assertThat(m.maskToken("/")).isEqualTo("/");
    }

    @Test
    void masksKubernetesGeneratedNamesOnly() {
        Masker m = only(MaskRule.K8S_NAME);
        assertThat(m.maskToken("web-7d4b9c6f5-x2x9k")).isEqualTo("<*>");
        assertThat(m.maskToken("kube-proxy-x7k2p")).isEqualTo("<*>");
        assertThat(m.maskToken("web-7d4b9c6f5")).isEqualTo("<*>");
        assertThat(m.maskToken("db-0")).isEqualTo("<*>");
        assertThat(m.maskToken("pod/coredns-5dd5756b68-8fz7v")).isEqualTo("pod/coredns-5dd5756b68-8fz7v");
        assertThat(m.maskToken("coredns-5dd5756b68-8fz7v,")).isEqualTo("<*>,");
        assertThat(m.maskToken("kube-proxy")).as("no generated suffix").isEqualTo("kube-proxy");
        assertThat(m.maskToken("node-ready")).as("vowels are not in the generated alphabet").isEqualTo("node-ready");
    }

    @Test
    void masksTimestampsAndMonthNamesBeforeNumbers() {
        Masker m = new Masker(EnumSet.of(MaskRule.TIMESTAMP, MaskRule.NUMBER));
        assertThat(m.tokenize("timed out at Sat Jun 18 02:23:10 2005 on May day").masked())
                .containsExactly("timed", "out", "at", "<*>", "<*>", "<*>", "<*>", "<*>", "on", "May", "day");
        assertThat(m.maskToken("2015-10-18T18:01:47.978Z")).isEqualTo("<*>");
        assertThat(m.maskToken("18:01:47,978")).isEqualTo("<*>");
    }

    @Test
    void quotedStringsAreOneTokenWhenEnabled() {
        Tokens t = new Masker(EnumSet.of(MaskRule.QUOTED)).tokenize("a \"GET /x HTTP/1.1\" b");
        assertThat(t.original()).containsExactly("a", "\"GET /x HTTP/1.1\"", "b");
        assertThat(t.masked()).containsExactly("a", "\"<*>\"", "b");
        Tokens off = new Masker(MinerConfig.defaults().maskRules()).tokenize("say \"hello world\"");
        assertThat(off.masked()).containsExactly("say", "\"hello", "world\"");
    }

    @Test
    void digitIdsMaskPiecesNotWholeStructuredTokens() {
        Masker m = only(MaskRule.DIGIT_ID);
        assertThat(m.maskToken("blk_-1608999687919862906")).isEqualTo("<*>");
        assertThat(m.maskToken("lr:00004ed0")).isEqualTo("<*>");
        assertThat(m.maskToken("lr:00004ed0,")).as("a piece with a digit is masked whole").isEqualTo("<*>,");
        assertThat(m.maskToken("r24=0x0ffea4c8")).isEqualTo("<*>=<*>");
        assertThat(m.maskToken("(uid=0)")).isEqualTo("(uid=<*>)");
        assertThat(m.maskToken("user=root")).isEqualTo("user=root");
    }

    @Test
    void tokenizeKeepsOriginalAndMaskedAligned() {
        Tokens t = all.tokenize("  PacketResponder 1 for block blk_38865049064139660   terminating ");
        assertThat(t.original()).containsExactly("PacketResponder", "1", "for", "block", "blk_38865049064139660", "terminating");
        assertThat(t.masked()).containsExactly("PacketResponder", "<*>", "for", "block", "<*>", "terminating");
        assertThat(all.tokenize("").size()).isZero();
    }
}
