package io.kaji.node.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CriLogReaderTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2016-10-06T00:17:09.669794202Z stdout F hello world|2016-10-06T00:17:09.669794202Z|STDOUT|false|hello world",
            "2016-10-06T00:17:09.6697942Z stderr P part|2016-10-06T00:17:09.669794200Z|STDERR|true|part",
            "2016-10-06T00:17:09Z stdout F no fraction|2016-10-06T00:17:09Z|STDOUT|false|no fraction",
            "2016-10-06T02:17:09.5+02:00 stdout F offset|2016-10-06T00:17:09.500Z|STDOUT|false|offset",
            "'2016-10-06T00:17:09.1Z stdout F   spaces kept  '|2016-10-06T00:17:09.100Z|STDOUT|false|'  spaces kept  '"})
    void parsesTheCriFormat(String line, String time, CriLogLine.Stream stream, boolean partial, String text) {
        assertThat(CriLogParser.parse(line)).contains(new CriLogLine(Instant.parse(time), stream, partial,
                text));
    }

    @Test
    void emptyTextWithOrWithoutTrailingSpace() {
        assertThat(CriLogParser.parse("2016-10-06T00:17:09Z stdout F ")).map(CriLogLine::text).contains("");
        assertThat(CriLogParser.parse("2016-10-06T00:17:09Z stdout F")).map(CriLogLine::text).contains("");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "2016-10-06T00:17:09Z stdin F x", "2016-10-06T00:17:09Z stdout X x",
            "yesterday stdout F x", "2016-10-06 stdout F x"})
    void rejectsOtherLines(String line) {
        assertThat(CriLogParser.parse(line)).isEmpty();
    }

    @Test
    void joinsPartialPiecesPerStreamAndKeepsTheTrailingPartial() throws IOException {
        String file = """
                2024-01-01T00:00:01Z stdout P long-
                2024-01-01T00:00:01.5Z stderr F an error
                2024-01-01T00:00:02Z stdout P line-
                2024-01-01T00:00:03Z stdout F end
                not a cri line
                2024-01-01T00:00:04Z stdout P no newline at exit
                """;
        List<LogEntry> entries = CriLogReader.read(new StringReader(file), CriLogReader.Options.ALL);
        assertThat(entries).containsExactly(
                new LogEntry(Instant.parse("2024-01-01T00:00:01.5Z"), CriLogLine.Stream.STDERR, "an error", true),
                new LogEntry(Instant.parse("2024-01-01T00:00:01Z"), CriLogLine.Stream.STDOUT, "long-line-end", true),
                new LogEntry(Instant.parse("2024-01-01T00:00:04Z"), CriLogLine.Stream.STDOUT, "no newline at exit",
                        false));
    }

    @Test
    void tailAndSinceSelectEntries() throws IOException {
        String file = """
                2024-01-01T00:00:01Z stdout F one
                2024-01-01T00:00:02Z stdout F two
                2024-01-01T00:00:03Z stdout F three
                """;
        assertThat(CriLogReader.read(new StringReader(file), new CriLogReader.Options(null, 2)))
                .extracting(LogEntry::text).containsExactly("two", "three");
        assertThat(CriLogReader.read(new StringReader(file), new CriLogReader.Options(null, 0))).isEmpty();
        assertThat(CriLogReader.read(new StringReader(file),
                new CriLogReader.Options(Instant.parse("2024-01-01T00:00:02Z"), -1)))
                .extracting(LogEntry::text).containsExactly("two", "three");
    }
}
