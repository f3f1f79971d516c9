package dev.berth.daemon.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.daemon.config.ConfigLoader;
import dev.berth.daemon.config.DaemonConfig;
import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as berth.toml: loading gives a config or an INVALID_ARGUMENT BerthException that names the
 * file, and the effective config printed as TOML (what {@code berthd config} shows) loads back to the same config.
 */
class ConfigLoaderFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void load(byte[] toml) throws IOException {
        Path dir = Files.createTempDirectory("berth-fuzz-config-");
        Path file = dir.resolve("berth.toml");
        try {
            Files.write(file, toml);
            DaemonConfig config;
            try {
                config = ConfigLoader.load(file, true);
            } catch (BerthException refused) {
                assertEquals(BerthException.Kind.INVALID_ARGUMENT, refused.kind(), refused.getMessage());
                assertTrue(refused.getMessage().startsWith("load config " + file + ": "), refused.getMessage());
                return;
            }
            DaemonConfig effective = config.withSocketResolved();
            Files.writeString(file, ConfigLoader.toToml(effective));
            assertEquals(effective, ConfigLoader.load(file, true));
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }
}
