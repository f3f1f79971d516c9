package dev.berth.viewfs.view;

/** The number formats the kernel prints in /proc text files. */
final class ProcLines {
    private ProcLines() {
    }

    /** "%lu.%02lu" of a duration in nanoseconds, truncated as the kernel truncates. */
    static String seconds(long nanos) {
        long n = Math.max(0, nanos);
        long centis = n / 10_000_000L;
        return centis / 100 + "." + String.format("%02d", centis % 100);
    }

    /** USER_HZ is 100 on every Linux ABI: /proc/stat counts ticks of 10 ms. */
    static long ticks(long nanos) {
        return Math.max(0, nanos) / 10_000_000L;
    }
}
