package io.kaji.support.logs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {

    @Test
    void readsQuotedFieldsWithCommasQuotesAndNewlines() throws IOException {
        String text = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n";
        assertThat(Csv.read(new BufferedStringReader(text))).containsExactly(
                List.of("a", "b", "c"), List.of("1", "x, y", "say \"hi\""), List.of("2", "two\nlines", ""));
    }

    @Test
    void quotesOnlyWhenNeededAndRoundTrips() throws IOException {
        assertThat(Csv.quote("plain")).isEqualTo("plain");
        assertThat(Csv.quote("a,b")).isEqualTo("\"a,b\"");
        assertThat(Csv.quote("say \"x\"")).isEqualTo("\"say \"\"x\"\"\"");
        String line = Csv.quote("1") + "," + Csv.quote("E\"1,\n") + "," + Csv.quote(" padded ");
        assertThat(Csv.read(new BufferedStringReader(line))).containsExactly(List.of("1", "E\"1,\n", " padded "));
    }

    @Test
    void acceptsAReaderWithoutMarkSupport() throws IOException {
        assertThat(Csv.read(new java.io.FilterReader(new StringReader("a,\"b\"\"\"\r\n")) {
            @Override
            public boolean markSupported() {
                return false;
            }
        })).containsExactly(List.of("a", "b\""));
    }

    /** A reader with mark support. */
    private static final class BufferedStringReader extends java.io.BufferedReader {
        BufferedStringReader(String s) {
            super(new StringReader(s));
        }
    }
}
