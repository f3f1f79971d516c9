package dev.berth.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.cgroups.factory.CgroupManagers;
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
        assertEquals(CgroupManagers.defaultDriver(), c.cgroupManager(), "systemd when it is PID 1, else cgroupfs");
        assertEquals(10, c.stopTimeout());
        assertEquals(32L << 30, c.layerMaxBytes());
        assertEquals(Path.of("/etc/cni/net.d"), c.cniConfDir());
        assertEquals(java.util.Map.of(), c.runtimes());
        assertEquals(300, c.connectionIdleTimeout());
        long nofile = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        assertEquals(DaemonConfig.defaultMaxConnections(nofile), c.maxConnections());
    }

    @Test
    void theConnectionCapLeavesHalfTheOpenFilesPastTheReserveForEverythingElse() {
        assertEquals((20000 - 1024) / 4, DaemonConfig.defaultMaxConnections(20000));
        assertEquals((1048576 - 1024) / 4, DaemonConfig.defaultMaxConnections(1048576));
        assertEquals(16, DaemonConfig.defaultMaxConnections(1024), "a floor for tiny limits");
        assertEquals(Integer.MAX_VALUE, DaemonConfig.defaultMaxConnections(Long.MAX_VALUE), "RLIM_INFINITY");
    }

    @Test
    void runtimeHandlersAndLayerLimitsAreRead() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.writeString(file, "layer_max_entries = 500\n[runtimes]\ncrun = \"/usr/bin/crun\"\n");
        DaemonConfig c = ConfigLoader.load(file, true);
        assertEquals(500, c.layerMaxEntries());
        assertEquals(java.util.Map.of("crun", "/usr/bin/crun"), c.runtimes());
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
        assertEquals(Path.of("/run/berth/cri.sock"), c.criSocketPath());
        assertEquals(Path.of("/r/cri.sock"), c.withPaths(null, Path.of("/r"), null).criSocketPath());
        assertEquals(Path.of("/k/cri.sock"), c.withCriSocket(Path.of("/k/cri.sock")).criSocketPath());
    }

    @Test
    void malformedOrUnknownKeysAreClearErrors() throws Exception {
        Path bad = dir.resolve("bad.toml");
        Files.writeString(bad, "log_level = \"info\"\nroot = [unclosed\n");
        BerthException e = assertThrows(BerthException.class, () -> ConfigLoader.load(bad, true));
        assertTrue(e.getMessage().startsWith("load config " + bad + ": line 2, column "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "not one line: " + e.getMessage());
        Path wrongType = dir.resolve("wrong-type.toml");
        Files.writeString(wrongType, "stop_timeout = \"ten\"\n");
        BerthException w = assertThrows(BerthException.class, () -> ConfigLoader.load(wrongType, true));
        assertTrue(w.getMessage().startsWith("load config " + wrongType + ": key stop_timeout: "), w.getMessage());
        Path unknown = dir.resolve("unknown.toml");
        Files.writeString(unknown, "no_such_key = 1\n");
        BerthException u = assertThrows(BerthException.class, () -> ConfigLoader.load(unknown, true));
        assertTrue(u.getMessage().contains("no_such_key"), u.getMessage());
        assertThrows(BerthException.class, () -> ConfigLoader.load(dir.resolve("missing.toml"), true));
    }

    @Test
    void dropInsApplyInLexicalOrderAndLaterKeysWin() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.writeString(file, "root = \"/srv/main\"\nlog_level = \"debug\"\nstop_timeout = 3\n");
        Path d = Files.createDirectories(dir.resolve("berth.toml.d"));
        Files.writeString(d.resolve("20-late.toml"), "log_level = \"warn\"\n");
        Files.writeString(d.resolve("10-early.toml"), "log_level = \"error\"\nstop_timeout = 7\n");
        Files.writeString(d.resolve("README"), "not toml, not read\n");
        assertEquals(java.util.List.of(file, d.resolve("10-early.toml"), d.resolve("20-late.toml")),
                ConfigLoader.sources(file, true));
        DaemonConfig c = ConfigLoader.load(file, true);
        assertEquals(Path.of("/srv/main"), c.root());
        assertEquals("warn", c.logLevel());
        assertEquals(7, c.stopTimeout());
    }

    @Test
    void dropInsApplyWithoutTheMainFileUnlessItIsRequired() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.createDirectories(dir.resolve("berth.toml.d"));
        Files.writeString(dir.resolve("berth.toml.d/a.toml"), "metrics_port = 9323\n");
        assertEquals(9323, ConfigLoader.load(file, false).metricsPort());
        assertThrows(BerthException.class, () -> ConfigLoader.load(file, true));
    }

    @Test
    void aMalformedOrUnknownDropInIsNamed() throws Exception {
        Path file = dir.resolve("berth.toml");
        Files.writeString(file, "log_level = \"info\"\n");
        Path d = Files.createDirectories(dir.resolve("berth.toml.d"));
        Path bad = d.resolve("50-bad.toml");
        Files.writeString(bad, "stop_timeout = = 3\n");
        BerthException e = assertThrows(BerthException.class, () -> ConfigLoader.load(file, true));
        assertTrue(e.getMessage().startsWith("load config " + bad + ": "), e.getMessage());
        Files.writeString(bad, "stop_timout = 3\n");
        BerthException u = assertThrows(BerthException.class, () -> ConfigLoader.load(file, true));
        assertTrue(u.getMessage().startsWith("load config " + bad + ": ") && u.getMessage().contains("stop_timout"),
                u.getMessage());
        Files.writeString(bad, "stop_timeout = \"soon\"\n");
        BerthException t = assertThrows(BerthException.class, () -> ConfigLoader.load(file, true));
        assertTrue(t.getMessage().startsWith("load config " + bad + ": "), t.getMessage());
    }

    @Test
    void malformedUtf8IsRefused() throws Exception {
        // Found by ConfigLoaderFuzzTest: the bytes loaded as lone surrogates that berthd config could not print.
        Path file = dir.resolve("bad-utf8.toml");
        Files.write(file, new byte[] {'l', 'o', 'g', '_', 'l', 'e', 'v', 'e', 'l', ' ', '=', ' ', '"', (byte) 0xf6,
                (byte) 0x99, (byte) 0x8a, (byte) 0x88, '"', '\n'});
        BerthException e = assertThrows(BerthException.class, () -> ConfigLoader.load(file, true));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("load config " + file + ": not UTF-8 text"), e.getMessage());
    }

    @Test
    void theEffectiveConfigPrintsEveryKeyAndReadsBackTheSame() throws Exception {
        DaemonConfig c = ConfigLoader.load(dir.resolve("absent.toml"), false).withSocketResolved();
        String toml = ConfigLoader.toToml(c);
        for (String key : ConfigLoader.toMap(c).keySet()) {
            assertTrue(toml.contains("\n" + key + " = ") || toml.startsWith(key + " = "), key + " missing in\n" + toml);
        }
        assertTrue(toml.contains("root = '/var/lib/berth'"), toml);
        assertTrue(toml.contains("socket = '/run/berth/berth.sock'"), toml);
        assertTrue(toml.contains("cri_socket = '/run/berth/cri.sock'"), toml);
        Path printed = dir.resolve("printed.toml");
        Files.writeString(printed, toml);
        assertEquals(c, ConfigLoader.load(printed, true));
    }
}
