package dev.berth.it.support;

import java.util.LinkedHashMap;
import java.util.Map;
import org.opentest4j.TestAbortedException;

/**
 * The steps of a guest program: a plain main run in a throw-away systemd guest (nspawn or QEMU), where
 * there is no Maven and no JUnit launcher, so the checks are JUnit assertions run in order here. Each
 * step prints PASS, SKIP (a failed JUnit assumption) or FAIL; the last line is the summary the host
 * side ({@link GuestScript}) asserts on.
 */
public final class GuestSteps {
    public interface Step {
        void run() throws Exception;
    }

    private final Map<String, Step> steps = new LinkedHashMap<>();

    /** Exits unless run in a guest ({@code envVar}=1): the checks change units and cgroups of the machine they run on. */
    public static void requireGuest(Class<?> main, String envVar) {
        if (!"1".equals(System.getenv(envVar))) {
            System.err.println(main.getSimpleName() + " runs only in its guest (" + envVar + "=1)");
            System.exit(2);
        }
    }

    public GuestSteps add(String name, Step step) {
        steps.put(name, step);
        return this;
    }

    /**
     * Runs every step, even after a failure, then {@code cleanUp} whatever happened (a failure there is printed), and prints the
     * summary; returns the exit code for the guest program (0 = no step failed).
     */
    public int run(Step cleanUp) {
        int passed = 0;
        int skipped = 0;
        try {
            for (Map.Entry<String, Step> step : steps.entrySet()) {
                long s = System.nanoTime();
                try {
                    step.getValue().run();
                    passed++;
                    System.out.printf("PASS %s (%d ms)%n", step.getKey(), (System.nanoTime() - s) / 1_000_000);
                } catch (TestAbortedException e) {
                    skipped++;
                    System.out.printf("SKIP %s: %s%n", step.getKey(), e.getMessage());
                } catch (Throwable e) {
                    System.out.printf("FAIL %s: %s%n", step.getKey(), e);
                    e.printStackTrace(System.out);
                }
            }
        } finally {
            try {
                cleanUp.run();
            } catch (Exception e) {
                System.out.println("cleanup: " + e);
            }
        }
        int failed = steps.size() - passed - skipped;
        System.out.printf("steps: %d passed, %d skipped, %d failed%n", passed, skipped, failed);
        return failed == 0 ? 0 : 1;
    }
}
