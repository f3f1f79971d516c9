package dev.berth.daemon.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads berth.toml; a missing default file means all defaults, a malformed one is an error. */
public final class ConfigLoader {
    private static final ObjectMapper TOML = TomlMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ConfigLoader() {
    }

    public static DaemonConfig load(Path file, boolean required) {
        if (!Files.exists(file)) {
            if (required) {
                throw BerthException.invalid("load config " + file + ": no such file");
            }
            return empty().withDefaults();
        }
        try {
            DaemonConfig parsed = TOML.readValue(file.toFile(), DaemonConfig.class);
            return (parsed == null ? empty() : parsed).withDefaults();
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                    "load config " + file + ": " + e.getMessage(), e);
        }
    }

    private static DaemonConfig empty() {
        return new DaemonConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }
}
