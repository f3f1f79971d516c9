package dev.berth.daemon.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

class SignalsTest {
    @Test
    void acceptsNamesWithOrWithoutSigAndNumbers() {
        assertEquals(15, Signals.parse("TERM"));
        assertEquals(15, Signals.parse("sigterm"));
        assertEquals(9, Signals.parse("9"));
        assertEquals(28, Signals.parse("SIGWINCH"));
        assertThrows(BerthException.class, () -> Signals.parse("NOPE"));
        assertThrows(BerthException.class, () -> Signals.parse("0"));
        assertThrows(BerthException.class, () -> Signals.parse("65"));
    }
}
