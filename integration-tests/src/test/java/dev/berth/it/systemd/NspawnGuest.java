package dev.berth.it.systemd;

import static dev.berth.it.support.BerthHarness.REPO;

import dev.berth.it.support.GuestScript;
import java.nio.file.Path;

/**
 * The host side of a systemd guest run: run-in-nspawn.sh boots a throw-away Debian guest with systemd
 * as PID 1 (systemd-nspawn on this host's cgroup v1 hybrid layout) and runs a guest main in it on the
 * test's own classpath. The guest is built once and cached under /var/tmp/berth-sysd (the first run
 * pays a few minutes of debootstrap).
 */
final class NspawnGuest {
    static final Path SCRIPT = REPO.resolve("integration-tests/src/test/sh/systemd/run-in-nspawn.sh");
    /**
     * A first run builds the guest (about 4-7 minutes on an idle machine, 20 beside a loaded CI); later runs
     * take about 20-60 s.
     */
    static final long TIMEOUT_MINUTES = 35;

    private NspawnGuest() {
    }

    /** Runs {@code main} in the guest, its output to integration-tests/target/{@code logName}; fails on a failed step. */
    static void runAndCheck(Class<?> main, String logName) throws Exception {
        GuestScript.runAndAssertPassed(SCRIPT, REPO.resolve("integration-tests/target").resolve(logName),
                TIMEOUT_MINUTES, System.getProperty("java.class.path"), main.getName());
    }
}
