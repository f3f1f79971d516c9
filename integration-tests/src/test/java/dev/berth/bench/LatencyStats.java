package dev.berth.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Latency samples of one operation on one runtime, and their mean and nearest-rank percentiles. */
final class LatencyStats {
    private final List<Long> nanos = new ArrayList<>();

    synchronized void add(long elapsedNanos) {
        nanos.add(elapsedNanos);
    }

    synchronized int count() {
        return nanos.size();
    }

    synchronized double meanMillis() {
        return nanos.stream().mapToLong(Long::longValue).average().orElse(Double.NaN) / 1e6;
    }

    /** Nearest rank: the smallest sample that at least {@code p} percent of the samples do not exceed. */
    synchronized double percentileMillis(double p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    /** "mean / p50 / p99" in milliseconds, as the benchmark table shows it. */
    String summary() {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", meanMillis(), percentileMillis(50),
                percentileMillis(99));
    }

    /** One sample per line, in milliseconds, for the raw figures. */
    synchronized String samplesMillis() {
        StringBuilder out = new StringBuilder();
        for (long n : nanos) {
            out.append(String.format(Locale.ROOT, "%.3f%n", n / 1e6));
        }
        return out.toString();
    }
}
