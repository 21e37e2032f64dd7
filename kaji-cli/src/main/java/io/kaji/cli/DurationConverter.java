package io.kaji.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Reads option values such as {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 5m} or a plain number of seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            Duration d = AgentCommand.duration(value);
            if (d.isNegative()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is negative; give a duration such as 2s");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration; write it as 500ms, 2s, 1.5s, 5m or a number of seconds");
        }
    }
}
