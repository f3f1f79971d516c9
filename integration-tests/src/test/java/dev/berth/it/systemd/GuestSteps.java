package dev.berth.it.systemd;

import java.util.LinkedHashMap;
import java.util.Map;
import org.opentest4j.TestAbortedException;

/**
 * The named checks a guest main runs in order, each reported PASS/SKIP/FAIL with its time, then a
 * summary line {@link NspawnGuest} reads. A plain main, not JUnit, because the guest has no Maven and
 * the launcher is not on the test classpath; the checks are JUnit assertions.
 */
final class GuestSteps {
    interface Step {
        void run() throws Exception;
    }

    private final Map<String, Step> steps = new LinkedHashMap<>();

    /** Exits unless run in the guest: the checks change systemd units and cgroups of the machine they run on. */
    static void requireGuest(Class<?> main) {
        if (!"1".equals(System.getenv("BERTH_SYSTEMD_GUEST"))) {
            System.err.println(main.getSimpleName() + " runs only in the systemd guest (BERTH_SYSTEMD_GUEST=1)");
            System.exit(2);
        }
    }

    GuestSteps add(String name, Step step) {
        steps.put(name, step);
        return this;
    }

    /** Runs every step, then {@code cleanUp} whatever happened, prints the summary; returns the exit code. */
    int run(Runnable cleanUp) {
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
            cleanUp.run();
        }
        int failed = steps.size() - passed - skipped;
        System.out.printf("steps: %d passed, %d skipped, %d failed%n", passed, skipped, failed);
        return failed == 0 ? 0 : 1;
    }
}
