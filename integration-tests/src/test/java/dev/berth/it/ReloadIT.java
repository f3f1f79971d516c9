package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SIGHUP (systemctl reload) re-reads the config files: a new log level applies without a restart. */
class ReloadIT {
    private static final String RELOADED = "reload config: log_level info -> debug";
    private BerthHarness berth;

    @AfterEach
    void stop() throws Exception {
        if (berth != null) {
            berth.close();
        }
    }

    @Test
    void sighupAppliesANewLogLevelFromADropIn() throws Exception {
        berth = new BerthHarness();
        // The harness's file says debug; a drop-in overrides it, and is what the reload changes.
        berth.stopDaemon();
        Path dropIns = Files.createDirectories(berth.base().resolve("berth.toml.d"));
        Path level = dropIns.resolve("50-level.toml");
        Files.writeString(level, "log_level = \"info\"\n");
        berth.startDaemon();
        berth.ok("ps", "-a");
        String before = berth.daemonLog();
        String sinceStart = before.substring(before.lastIndexOf("recovered "));
        assertFalse(sinceStart.contains(" DEBUG "), "debug lines at info level:\n" + sinceStart);

        Files.writeString(level, "log_level = \"debug\"\n");
        BerthHarness.run("kill", "-HUP", Long.toString(berth.daemonPid()));
        assertTrue(Await.eventually(() -> log().contains(RELOADED), 30_000), "no reload logged:\n" + log());
        berth.ok("ps", "-a");
        assertTrue(Await.eventually(() -> {
            String l = log();
            return l.substring(l.indexOf(RELOADED)).contains(" DEBUG ApiHandler: GET /v1/containers");
        }, 30_000), "no debug line after the reload:\n" + log());
        berth.ok("ps", "-a");
    }

    private String log() {
        try {
            return berth.daemonLog();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
