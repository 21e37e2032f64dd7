package io.kaji.apiserver.admission.podsecurity;

import java.util.Objects;

/** A level of one version of the standards, written {@code baseline:latest} in messages. */
public record LevelVersion(Level level, StandardVersion version) {

    public LevelVersion {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(version, "version");
    }

    public static LevelVersion latest(Level level) {
        return new LevelVersion(level, StandardVersion.LATEST);
    }

    @Override
    public String toString() {
        return level + ":" + version;
    }
}
