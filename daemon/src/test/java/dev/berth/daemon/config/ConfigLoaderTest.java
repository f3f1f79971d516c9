package dev.berth.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void everyKeyHasADefault() {
        DaemonConfig c = ConfigLoader.load(dir.resolve("absent.toml"), false);
        assertEquals(Path.of("/var/lib/berth"), c.root());
        assertEquals(Path.of("/run/berth/berth.sock"), c.socketPath());
        assertEquals("cgroupfs", c.cgroupManager());
        assertEquals(10, c.stopTimeout());
    }

    @Test
    void fileValuesOverrideDefaultsAndFlagsOverrideTheFile() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.writeString(file, "root = \"/srv/berth\"\nlog_level = \"debug\"\nstop_timeout = 3\n");
        DaemonConfig c = ConfigLoader.load(file, true);
        assertEquals(Path.of("/srv/berth"), c.root());
        assertEquals("debug", c.logLevel());
        assertEquals(3, c.stopTimeout());
        assertEquals(Path.of("/x"), c.withPaths(Path.of("/x"), null, null).root());
    }

    @Test
    void malformedOrUnknownKeysAreClearErrors() throws Exception {
        Path bad = dir.resolve("bad.toml");
        Files.writeString(bad, "root = [unclosed\n");
        BerthException e = assertThrows(BerthException.class, () -> ConfigLoader.load(bad, true));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        Path unknown = dir.resolve("unknown.toml");
        Files.writeString(unknown, "no_such_key = 1\n");
        BerthException u = assertThrows(BerthException.class, () -> ConfigLoader.load(unknown, true));
        assertTrue(u.getMessage().contains("no_such_key"), u.getMessage());
        assertThrows(BerthException.class, () -> ConfigLoader.load(dir.resolve("missing.toml"), true));
    }
}
