package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterExtractorTest {

    @Test
    void extractsWholeAndPartialTokens() {
        assertThat(ParameterExtractor.extract("uid=<*> euid=<*> tty=NODEVssh",
                List.of("uid=0", "euid=12", "tty=NODEVssh"))).containsExactly("0", "12");
        assertThat(ParameterExtractor.extract("<*> bytes", List.of("12", "bytes"))).containsExactly("12");
    }

    @Test
    void emptyWhenTheMessageDoesNotFit() {
        assertThat(ParameterExtractor.extract("a <*> c", List.of("a", "b", "d"))).isEmpty();
        assertThat(ParameterExtractor.extract("a b", List.of("a"))).isEmpty();
        assertThat(ParameterExtractor.extract("", List.of())).isEmpty();
    }
}
