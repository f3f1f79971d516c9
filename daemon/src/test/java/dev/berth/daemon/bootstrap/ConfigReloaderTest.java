package dev.berth.daemon.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.daemon.config.ConfigLoader;
import dev.berth.daemon.config.DaemonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReloaderTest {
    @TempDir
    Path dir;

    private final Level before = Logger.getLogger("dev.berth").getLevel();

    @AfterEach
    void restoreLevel() {
        Logger.getLogger("dev.berth").setLevel(before);
    }

    @Test
    void appliesLiveKeysAndReportsTheRestUntilARestart() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.writeString(file, "root = \"/srv/a\"\nlog_level = \"info\"\n");
        DaemonConfig started = ConfigLoader.load(file, true);
        List<String> registriesSeen = new ArrayList<>();
        ConfigReloader reloader = new ConfigReloader(() -> ConfigLoader.load(file, true), started, Map.of(
                "log_level", next -> LogSetup.setLevel(next.logLevel()),
                "registries_config", next -> registriesSeen.add(next.registriesConfig().toString())));

        Files.createDirectories(dir.resolve("berth.toml.d"));
        Files.writeString(dir.resolve("berth.toml.d/90-ops.toml"),
                "log_level = \"debug\"\nroot = \"/srv/b\"\nsocket = \"/tmp/other.sock\"\n");
        ConfigReloader.Result r = reloader.reload();

        assertEquals(Map.of("log_level", "info -> debug"), r.applied());
        assertEquals(List.of("root", "socket"), List.copyOf(r.needRestart().keySet()));
        assertNull(r.error());
        assertEquals(Level.FINE, Logger.getLogger("dev.berth").getLevel());
        assertEquals("debug", reloader.current().logLevel());
        assertEquals(Path.of("/srv/a"), reloader.current().root(), "a restart-only key must keep its running value");
        assertEquals(Path.of("/run/berth/berth.sock"), reloader.current().socketPath());
        assertTrue(registriesSeen.isEmpty());

        ConfigReloader.Result same = reloader.reload();
        assertTrue(same.applied().isEmpty());
        assertEquals(List.of("root", "socket"), List.copyOf(same.needRestart().keySet()));
    }

    @Test
    void aBrokenFileOrValueKeepsTheRunningConfiguration() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.writeString(file, "log_level = \"info\"\n");
        DaemonConfig started = ConfigLoader.load(file, true);
        ConfigReloader reloader = new ConfigReloader(() -> ConfigLoader.load(file, true), started,
                Map.of("log_level", next -> LogSetup.setLevel(next.logLevel())));

        Files.writeString(file, "log_level = [\n");
        ConfigReloader.Result broken = reloader.reload();
        assertNotNull(broken.error());
        assertTrue(broken.error().contains(file.toString()), broken.error());
        assertEquals("info", reloader.current().logLevel());

        Files.writeString(file, "log_level = \"loud\"\n");
        ConfigReloader.Result bad = reloader.reload();
        assertTrue(bad.error().contains("loud"), bad.error());
        assertTrue(bad.applied().isEmpty());
        assertEquals("info", reloader.current().logLevel());
    }
}
