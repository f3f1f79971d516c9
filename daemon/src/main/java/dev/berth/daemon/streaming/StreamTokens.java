package dev.berth.daemon.streaming;

import dev.berth.oci.BerthException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Single-use tokens for streaming requests, like kubelet's request cache: 128 random bits, URL-safe,
 * valid for a limited time. The URL is the only credential of a stream, so a token can be neither
 * guessed nor replayed.
 */
final class StreamTokens {
    /** kubelet's limit: an unbounded cache would let a busy client exhaust memory. */
    static final int MAX_OUTSTANDING = 1000;

    private final SecureRandom random = new SecureRandom();
    private final Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<String, Entry> entries = new HashMap<>();

    private record Entry(Object request, long expiresAt) { }

    StreamTokens(Duration ttl, LongSupplier clock) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw BerthException.invalid("streaming: token lifetime must be positive, not " + ttl);
        }
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
    }

    /** Registers {@code request}; {@code op} names it in the error when too many are outstanding. */
    synchronized String issue(Object request, String op) {
        long now = clock.getAsLong();
        dropExpired(now);
        if (entries.size() >= MAX_OUTSTANDING) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    op + ": too many streaming requests in flight (" + MAX_OUTSTANDING + ")");
        }
        byte[] bits = new byte[16];
        String token;
        do {
            random.nextBytes(bits);
            token = encoder.encodeToString(bits);
        } while (entries.containsKey(token));
        entries.put(token, new Entry(request, now + ttlNanos));
        return token;
    }

    /** The request of a live token, which is gone afterwards; empty if unknown, used or expired. */
    synchronized Optional<Object> consume(String token) {
        Entry e = entries.remove(token);
        if (e == null || clock.getAsLong() - e.expiresAt >= 0) {
            return Optional.empty();
        }
        return Optional.of(e.request);
    }

    private void dropExpired(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (now - it.next().expiresAt >= 0) {
                it.remove();
            }
        }
    }
}
