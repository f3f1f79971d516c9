package dev.berth.oci.failpoint;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points between the durable side effects of berthd's operations where a crash test can make the
 * daemon die. The environment variable {@value #ENV} names one point ({@code name}, or {@code name:N} for
 * its N-th hit); reaching it SIGKILLs the process, so no shutdown hook or finally block runs, exactly as
 * after a real {@code kill -9}. Unset, {@link #hit} is one comparison against a static final null.
 */
public final class FailPoints {
    public static final String ENV = "BERTH_FAILPOINT";

    /** Every point the code has, in the order of the operations they interrupt. */
    public static final List<String> NAMES = List.of(
            "create.after-record", "create.after-rootfs", "create.after-bundle", "create.after-shim",
            "create.after-state",
            "start.after-runc-start", "start.after-state",
            "exec.after-process-json", "exec.after-shim-exec",
            "stop.after-term", "stop.after-kill", "exit.after-release",
            "rm.after-runtime", "rm.after-unmount", "rm.after-shim-dir", "rm.after-store-delete",
            "pull.after-blob", "pull.after-layers", "pull.after-register",
            "pod-run.after-record", "pod-run.after-netns", "pod-run.after-cni-add", "pod-run.after-infra-create",
            "pod-run.after-infra-start", "pod-run.after-ready",
            "pod-stop.after-containers", "pod-stop.after-network",
            "pod-rm.after-containers", "pod-rm.after-network", "pod-rm.after-cgroup");

    private static final String ARMED = System.getenv(ENV);
    private static final String ARMED_NAME = ARMED == null ? null : ARMED.split(":", 2)[0];
    private static final AtomicInteger HITS = new AtomicInteger();

    private FailPoints() {
    }

    /** Checks {@value #ENV} once at start-up, so a typo fails the daemon instead of never firing. */
    public static void checkConfigured() {
        if (ARMED == null) {
            return;
        }
        if (!NAMES.contains(ARMED_NAME)) {
            throw BerthException.invalid(ENV + "=" + ARMED + ": no such fail point; known: " + NAMES);
        }
        try {
            if (nth() < 1) {
                throw BerthException.invalid(ENV + "=" + ARMED + ": the hit count must be at least 1");
            }
        } catch (NumberFormatException e) {
            throw BerthException.invalid(ENV + "=" + ARMED + ": the hit count after ':' is not a number");
        }
        System.getLogger(FailPoints.class.getName()).log(System.Logger.Level.WARNING,
                "fail point {0} is armed: berthd kills itself when it reaches it", ARMED);
    }

    /** Kills the process with SIGKILL if {@code name} is the armed point and this is its armed hit. */
    public static void hit(String name) {
        if (ARMED_NAME == null || !ARMED_NAME.equals(name) || HITS.incrementAndGet() != nth()) {
            return;
        }
        System.err.println("berthd: fail point " + ARMED + " reached, SIGKILL");
        System.err.flush();
        try {
            new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).inheritIO().start()
                    .waitFor();
            // The signal may land a moment after kill(1) returns: nothing of this thread may run meanwhile.
            while (true) {
                TimeUnit.SECONDS.sleep(60);
            }
        } catch (IOException | InterruptedException e) {
            Runtime.getRuntime().halt(137);
        }
    }

    private static int nth() {
        String[] parts = ARMED.split(":", 2);
        return parts.length == 2 ? Integer.parseInt(parts[1]) : 1;
    }
}
