package dev.berth.daemon.container;

import java.util.concurrent.TimeUnit;

/**
 * How long each phase of one operation took, for a debug log line that shows where a slow operation's time
 * went ("check 4.1 ms, record 2.0 ms, ..."): each {@link #end} closes the phase begun at the previous one.
 */
final class PhaseTimes {
    private final StringBuilder text = new StringBuilder();
    private final long start = System.nanoTime();
    private long last = start;

    /** Ends the phase {@code name}, begun at the previous call (or at construction). */
    void end(String name) {
        long now = System.nanoTime();
        if (!text.isEmpty()) {
            text.append(", ");
        }
        text.append(name).append(' ').append(millis(now - last)).append(" ms");
        last = now;
    }

    @Override
    public String toString() {
        return text + " (total " + millis(last - start) + " ms)";
    }

    private static String millis(long nanos) {
        return String.format("%.1f", nanos / (double) TimeUnit.MILLISECONDS.toNanos(1));
    }
}
