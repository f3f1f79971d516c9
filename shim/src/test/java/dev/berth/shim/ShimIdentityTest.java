package dev.berth.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shim is known by the state directory its command line names, not by a live pid alone. */
class ShimIdentityTest {

    @Test
    void aLiveProcessWithTheShimsPidIsTheShimOnlyIfItNamesTheStateDirectory(@TempDir Path dir) throws Exception {
        Path stateDir = dir.resolve("shims/abc");
        Files.createDirectories(stateDir);
        // argv: sh -c SCRIPT berth-shim --state-dir DIR, the shape a shim's command line has.
        Process shimLike = new ProcessBuilder("sh", "-c", "sleep 60", "berth-shim", "--id", "abc", "--state-dir",
                stateDir.toString()).start();
        Process stranger = new ProcessBuilder("sleep", "60").start();
        try {
            assertTrue(ShimClient.isShimOf((int) shimLike.pid(), stateDir));
            assertFalse(ShimClient.isShimOf((int) shimLike.pid(), dir.resolve("shims/other")));
            assertFalse(ShimClient.isShimOf((int) stranger.pid(), stateDir));

            Files.writeString(stateDir.resolve("shim.pid"), stranger.pid() + "\n");
            assertEquals(Optional.empty(), new ShimClient(stateDir).shimPid(), "a stranger passed for the shim");
            Files.writeString(stateDir.resolve("shim.pid"), shimLike.pid() + "\n");
            assertEquals(Optional.of((int) shimLike.pid()), new ShimClient(stateDir).shimPid());
        } finally {
            shimLike.destroyForcibly();
            stranger.destroyForcibly();
        }
        shimLike.waitFor();
        assertFalse(ShimClient.isShimOf((int) shimLike.pid(), stateDir), "a dead process is no shim");
    }

    @Test
    void aDamagedPidFileIsUnknownNotDeadAndOnlyAListeningSocketPassesForALiveShim(@TempDir Path dir) throws Exception {
        Path stateDir = dir.resolve("shims/abc");
        Files.createDirectories(stateDir);
        ShimClient shim = new ShimClient(stateDir);
        assertEquals(Optional.empty(), shim.shimPid(), "no shim.pid: no shim");
        for (String damaged : new String[] {"", "12ab", "{\"pid\": 1}"}) {
            Files.writeString(stateDir.resolve("shim.pid"), damaged);
            BerthException e = assertThrows(BerthException.class, shim::shimPid, damaged);
            assertTrue(e.getMessage().contains(stateDir.resolve("shim.pid").toString()), e.getMessage());
        }

        assertFalse(shim.listening(), "no socket");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(stateDir.resolve("shim.sock")));
            assertTrue(shim.listening());
        }
        assertFalse(shim.listening(), "a socket file nobody listens on (a dead shim's)");
    }
}
