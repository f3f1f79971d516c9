package dev.berth.it.v2;

import static dev.berth.it.support.BerthHarness.REPO;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.support.GuestScript;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Berth's cgroup v2 code on a real cgroup v2 host: run-in-vm.sh boots a QEMU guest (software
 * emulation) with systemd as PID 1 and the unified hierarchy with controllers, and runs
 * {@link CgroupV2Smoke} in it on this test's own classpath. The VM image is built once and cached
 * under /var/tmp/berth-sysd/vm; where it cannot be built or booted the test is skipped with the reason.
 */
class CgroupV2VmIT {
    static final Path SCRIPT = REPO.resolve("integration-tests/src/test/sh/systemd/run-in-vm.sh");
    static final Path LOG = REPO.resolve("integration-tests/target/v2-guest.log");
    static final Path RECORD = REPO.resolve("integration-tests/target/v2-record");
    /** A first run builds the image (about 15 min here); later runs take 3-6 min (boot 70-170 s, the suite 50-110 s). */
    static final long TIMEOUT_MINUTES = 30;

    @Test
    void cgroupV2SmokeSuiteInQemu() throws Exception {
        GuestScript.runAndAssertPassed(SCRIPT, LOG, TIMEOUT_MINUTES, System.getProperty("java.class.path"),
                RECORD.toString());
        assertTrue(Files.isRegularFile(RECORD.resolve("cgroupfs/cgroup/berth/v2fs1/memory.max")),
                "the guest recorded its v2 files in " + RECORD);
    }
}
