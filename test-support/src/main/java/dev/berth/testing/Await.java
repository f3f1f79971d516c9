package dev.berth.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Waiting in tests: on a condition, polled until a deadline, never for a fixed time. The deadline only bounds a
 * failing test; a passing one goes on as soon as the condition holds, however loaded the machine is.
 */
public final class Await {
    private static final long FIRST_PAUSE_MILLIS = 5;
    private static final long MAX_PAUSE_MILLIS = 100;

    private Await() {
    }

    /** A value read again on each poll. */
    @FunctionalInterface
    public interface Reading<T> {
        T read() throws Exception;
    }

    /** Polls until the condition holds or the time is up; whether it held. */
    public static boolean eventually(BooleanSupplier condition, long timeoutMillis) {
        Deadline deadline = new Deadline(timeoutMillis);
        do {
            if (condition.getAsBoolean()) {
                return true;
            }
        } while (deadline.pause());
        return false;
    }

    /** Fails with {@code what} unless the condition holds in time. */
    public static void until(String what, long timeoutMillis, BooleanSupplier condition) {
        if (!eventually(condition, timeoutMillis)) {
            throw new AssertionError(what + " (not within " + timeoutMillis + " ms)");
        }
    }

    /**
     * Reads until a value is done or the time is up; the last value read, for the caller to judge and report.
     * What the reading throws ends the wait.
     */
    public static <T> T lastValue(Reading<T> reading, Predicate<T> done, long timeoutMillis) throws Exception {
        Deadline deadline = new Deadline(timeoutMillis);
        T value;
        do {
            value = reading.read();
            if (done.test(value)) {
                return value;
            }
        } while (deadline.pause());
        return value;
    }

    /** Pauses between polls: short at first, so a quick condition is seen quickly, then longer. */
    private static final class Deadline {
        private final long end;
        private long pauseMillis = FIRST_PAUSE_MILLIS;

        Deadline(long timeoutMillis) {
            end = System.nanoTime() + Duration.ofMillis(timeoutMillis).toNanos();
        }

        /** Pauses before the next poll; false, at once, when the time is up. */
        boolean pause() {
            long leftMillis = (end - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                return false;
            }
            try {
                Thread.sleep(Math.min(pauseMillis, leftMillis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting", e);
            }
            pauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE_MILLIS);
            return true;
        }
    }
}
