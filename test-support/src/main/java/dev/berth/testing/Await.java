package dev.berth.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

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
        long deadline = System.nanoTime() + Duration.ofMillis(timeoutMillis).toNanos();
        long pause = FIRST_PAUSE_MILLIS;
        while (System.nanoTime() - deadline < 0) {
            if (condition.getAsBoolean()) {
                return true;
            }
            pause(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
        }
        return condition.getAsBoolean();
    }

    /**
     * Reads until a value is done or the time is up; the last value read, for the caller to judge and report.
     * What the reading throws ends the wait.
     */
    public static <T> T lastValue(Reading<T> reading, Predicate<T> done, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMillis(timeoutMillis).toNanos();
        long pause = FIRST_PAUSE_MILLIS;
        T value = reading.read();
        while (!done.test(value) && System.nanoTime() - deadline < 0) {
            pause(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
            value = reading.read();
        }
        return value;
    }

    /** Fails with {@code what} (and the detail, read at the failure) unless the condition holds in time. */
    public static void until(String what, long timeoutMillis, BooleanSupplier condition, Supplier<String> detail) {
        if (!eventually(condition, timeoutMillis)) {
            throw new AssertionError(what + " (not within " + timeoutMillis + " ms)" + detailOf(detail));
        }
    }

    /** Fails with {@code what} unless the condition holds in time. */
    public static void until(String what, long timeoutMillis, BooleanSupplier condition) {
        until(what, timeoutMillis, condition, () -> "");
    }

    private static String detailOf(Supplier<String> detail) {
        String d = detail.get();
        return d == null || d.isEmpty() ? "" : ": " + d;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
