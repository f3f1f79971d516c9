package dev.berth.it.systemd;

import static dev.berth.it.support.BerthHarness.REPO;

import dev.berth.it.support.GuestScript;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The systemd cgroup driver against a real systemd: run-in-nspawn.sh boots a throw-away Debian guest
 * with systemd as PID 1 (systemd-nspawn on this host's cgroup v1 hybrid layout) and runs
 * {@link SystemdDriverGuest} in it on this test's own classpath. The guest is built once and cached
 * under /var/tmp/berth-sysd (the first run pays a few minutes of debootstrap); where it cannot be
 * built or booted the test is skipped with the reason.
 */
class SystemdDriverIT {
    static final Path SCRIPT = REPO.resolve("integration-tests/src/test/sh/systemd/run-in-nspawn.sh");
    static final Path LOG = REPO.resolve("integration-tests/target/systemd-guest.log");
    /** A first run builds the guest (about 4-7 minutes here); later runs take about 20 s. */
    static final long TIMEOUT_MINUTES = 20;

    @Test
    void systemdDriverUnderRealSystemd() throws Exception {
        GuestScript.runAndAssertPassed(SCRIPT, LOG, TIMEOUT_MINUTES, System.getProperty("java.class.path"));
    }
}
