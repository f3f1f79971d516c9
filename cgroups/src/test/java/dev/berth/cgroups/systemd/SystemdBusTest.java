package dev.berth.cgroups.systemd;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What can be checked without systemd; the calls themselves run against real systemd in SystemdDriverIT. */
class SystemdBusTest {
    @Test
    void unreachableBusIsUnavailableAndNamesTheAddress(@TempDir Path tmp) {
        String address = "unix:path=" + tmp.resolve("no_bus_socket");
        BerthException e = assertThrows(BerthException.class, () -> SystemdBus.connect(address));
        assertEquals(BerthException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("connect to systemd on " + address), e.getMessage());
    }
}
