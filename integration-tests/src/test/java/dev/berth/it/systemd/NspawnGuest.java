package dev.berth.it.systemd;

import static dev.berth.it.support.BerthHarness.REPO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host side of a systemd guest run: run-in-nspawn.sh boots a throw-away Debian guest with systemd
 * as PID 1 (systemd-nspawn on this host's cgroup v1 hybrid layout) and runs a {@link GuestSteps} main
 * in it on the test's own classpath. The guest is built once and cached under /var/tmp/berth-sysd (the
 * first run pays a few minutes of debootstrap); where it cannot be built or booted the test is skipped
 * with the reason.
 */
final class NspawnGuest {
    static final Path SCRIPT = REPO.resolve("integration-tests/src/test/sh/systemd/run-in-nspawn.sh");
    /** A first run builds the guest (about 4-7 minutes here); later runs take about 20-60 s. */
    static final long TIMEOUT_MINUTES = 20;
    /** run-in-nspawn.sh: no guest can be built or booted on this host. */
    static final int CANNOT_RUN_HERE = 77;
    static final Pattern SUMMARY = Pattern.compile("steps: (\\d+) passed, (\\d+) skipped, (\\d+) failed");

    private NspawnGuest() {
    }

    /** Runs {@code main} in the guest, its output to integration-tests/target/{@code logName}; fails on a failed step. */
    static void runAndCheck(Class<?> main, String logName) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the systemd guest needs root");
        Path log = REPO.resolve("integration-tests/target").resolve(logName);
        Files.createDirectories(log.getParent());
        Process script = new ProcessBuilder("bash", SCRIPT.toString(), System.getProperty("java.class.path"),
                main.getName()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!script.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                fail("the systemd guest did not finish in " + TIMEOUT_MINUTES + " min; log: " + log);
            }
        } finally {
            stop(script);
        }
        String out = Files.readString(log);
        System.out.println(out);
        assumeTrue(script.exitValue() != CANNOT_RUN_HERE, () -> "no systemd guest on this host: " + lastLines(out));
        assertEquals(0, script.exitValue(), "guest checks failed, see " + log);
        Matcher m = SUMMARY.matcher(out);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) > 0 && m.group(3).equals("0"),
                "the guest reports no failed step");
    }

    /**
     * Stops a guest that is still running: TERM to sysd-env.sh's `timeout` first, so the guest powers
     * off and the script still removes the guest's cgroups; KILL to whatever is left after a minute.
     */
    private static void stop(Process script) throws InterruptedException {
        if (!script.isAlive()) {
            return;
        }
        script.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/timeout")).orElse(false))
                .forEach(ProcessHandle::destroy);
        if (!script.waitFor(60, TimeUnit.SECONDS)) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }

    private static String lastLines(String out) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }
}
