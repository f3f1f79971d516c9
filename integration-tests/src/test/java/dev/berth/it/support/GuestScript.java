package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host side of a guest program ({@link GuestSteps}): runs the script that boots the guest and
 * runs the program in it, keeps its output in a log file and asserts that every step passed. The
 * scripts exit 77 where no guest can be built or booted here: the test is then skipped with the reason
 * (and under CI fails, as every skip does there: .ci/check-skips.py).
 */
public final class GuestScript {
    public static final int CANNOT_RUN_HERE = 77;
    static final Pattern SUMMARY = Pattern.compile("steps: (\\d+) passed, (\\d+) skipped, (\\d+) failed");

    private GuestScript() {
    }

    /** Runs {@code bash script args...}, output to {@code log}; returns the output once every step passed. */
    public static String runAndAssertPassed(Path script, Path log, long timeoutMinutes, String... args)
            throws IOException, InterruptedException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the guest needs root");
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                fail("the guest did not finish in " + timeoutMinutes + " min; log: " + log);
            }
        } finally {
            stop(p);
        }
        String out = Files.readString(log);
        System.out.println(out);
        assumeTrue(p.exitValue() != CANNOT_RUN_HERE, () -> "no guest on this host: " + lastLines(out));
        assertEquals(0, p.exitValue(), "guest checks failed, see " + log);
        Matcher m = SUMMARY.matcher(out);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) > 0 && m.group(3).equals("0"),
                "the guest reports no failed step");
        // Under CI a skipped step is a failure, as a skipped test is (.ci/check-skips.py).
        assertTrue(!"true".equals(System.getenv("CI")) || m.group(2).equals("0"),
                "under CI every guest step must run; skipped: " + m.group(2) + ", see " + log);
        return out;
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
