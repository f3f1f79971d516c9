package dev.berth.daemon.cri;

import java.time.Instant;

/** The CRI's timestamps: nanoseconds since the epoch, 0 for "never". */
final class CriTime {
    private CriTime() {
    }

    static long nanos(Instant t) {
        return t == null ? 0 : t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
