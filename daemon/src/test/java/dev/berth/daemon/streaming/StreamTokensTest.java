package dev.berth.daemon.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StreamTokensTest {
    private final AtomicLong now = new AtomicLong();
    private final StreamTokens tokens = new StreamTokens(Duration.ofSeconds(60), now::get);

    @Test
    void aTokenIsGoodOnce() {
        String t = tokens.issue("req", "op");
        assertEquals(Optional.of("req"), tokens.consume(t));
        assertEquals(Optional.empty(), tokens.consume(t));
        assertEquals(Optional.empty(), tokens.consume("never-issued"));
    }

    @Test
    void aTokenExpires() {
        String early = tokens.issue("a", "op");
        String late = tokens.issue("b", "op");
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertEquals(Optional.of("a"), tokens.consume(early));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(Optional.empty(), tokens.consume(late));
    }

    @Test
    void tokensAre128RandomUrlSafeBits() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            String t = tokens.issue(i, "op");
            assertTrue(t.matches("[A-Za-z0-9_-]{22}"), t);
            assertTrue(seen.add(t), "repeated token " + t);
            tokens.consume(t);
        }
    }

    @Test
    void outstandingTokensAreBoundedUntilTheyExpire() {
        for (int i = 0; i < StreamTokens.MAX_OUTSTANDING; i++) {
            tokens.issue(i, "op");
        }
        BerthException e = assertThrows(BerthException.class, () -> tokens.issue("one more", "exec in container c1"));
        assertEquals(BerthException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("exec in container c1: too many"), e.getMessage());
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        tokens.issue("after expiry", "op");
    }

    @Test
    void theLifetimeMustBePositive() {
        assertThrows(BerthException.class, () -> new StreamTokens(Duration.ZERO, now::get));
        assertThrows(BerthException.class, () -> new StreamTokens(null, now::get));
    }
}
