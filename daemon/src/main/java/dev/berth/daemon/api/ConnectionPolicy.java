package dev.berth.daemon.api;

import java.time.Duration;

/**
 * What one of berthd's sockets accepts: at most {@code maxConnections} open connections, and for how long one
 * with no request in flight stays open ({@code idleTimeout}, zero: for ever). {@code onRefused} and
 * {@code onIdleClosed} count the connections turned away and closed (the metrics).
 */
public record ConnectionPolicy(int maxConnections, Duration idleTimeout, Runnable onRefused, Runnable onIdleClosed) {
    /** No cap and no timeout: for tests that exercise something else. */
    public static final ConnectionPolicy UNLIMITED = new ConnectionPolicy(Integer.MAX_VALUE, Duration.ZERO, () -> { },
            () -> { });

    public ConnectionPolicy {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max_connections must be at least 1, not " + maxConnections);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("connection_idle_timeout must not be negative: " + idleTimeout);
        }
    }

    public boolean closesIdle() {
        return !idleTimeout.isZero();
    }
}
