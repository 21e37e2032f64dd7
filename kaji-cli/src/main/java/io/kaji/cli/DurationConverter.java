package io.kaji.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Reads option values with {@link Durations}' grammar ({@code 500ms}, {@code 1.5s}, {@code 1h30m}, {@code 30}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
