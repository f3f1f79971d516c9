package dev.berth.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor against fake shims: 500 containers on one thread, replies, deaths and missing shims. */
class ShimExitMonitorTest {
    private static final int N = 500;

    @Test
    void fiveHundredContainersOneThread(@TempDir Path dir) throws Exception {
        List<ServerSocketChannel> servers = new ArrayList<>();
        Map<String, WatchResult> results = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(N + 1);
        int threadsBefore = Thread.activeCount();
        try (ShimExitMonitor m = new ShimExitMonitor()) {
            for (int i = 0; i < N; i++) {
                Path state = Files.createDirectories(dir.resolve("c" + i));
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                s.bind(UnixDomainSocketAddress.of(state.resolve("shim.sock")));
                servers.add(s);
                m.watch("c" + i, state, r -> {
                    results.put(r.id(), r);
                    done.countDown();
                });
            }
            // No socket and no exit file: the shim is gone.
            m.watch("gone", Files.createDirectories(dir.resolve("gone")), r -> {
                results.put(r.id(), r);
                done.countDown();
            });
            assertTrue(Thread.activeCount() <= threadsBefore + 1, "one monitor thread");
            for (int i = 0; i < N; i++) {
                try (SocketChannel c = servers.get(i).accept()) {
                    ByteBuffer req = ByteBuffer.allocate(5);
                    while (req.hasRemaining() && c.read(req) >= 0) {
                        // WAIT\n
                    }
                    assertEquals("WAIT\n", new String(req.array(), StandardCharsets.US_ASCII));
                    if (i % 3 == 0) {
                        c.write(ByteBuffer.wrap(exitJson(i).getBytes(StandardCharsets.US_ASCII)));
                    } else if (i % 3 == 1) {
                        // dies after writing the exit file
                        Files.writeString(dir.resolve("c" + i).resolve("exit"), exitJson(i));
                    }
                    // i % 3 == 2: dies without an exit
                }
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "all callbacks; missing " + (N + 1 - results.size()));
        } finally {
            for (ServerSocketChannel s : servers) {
                s.close();
            }
        }
        for (int i = 0; i < N; i++) {
            WatchResult r = results.get("c" + i);
            if (i % 3 == 2) {
                assertEquals(WatchResult.SHIM_DIED, r.reason(), r.toString());
                assertTrue(r.status().isEmpty());
            } else {
                assertEquals(WatchResult.EXITED, r.reason(), r.toString());
                assertEquals(i % 256, r.status().orElseThrow().exitCode());
            }
        }
        assertEquals(WatchResult.SHIM_DIED, results.get("gone").reason());
    }

    private static String exitJson(int i) {
        return "{\"exitCode\":" + (i % 256) + ",\"signal\":0,\"oomKilled\":false,"
                + "\"finishedAt\":\"2026-11-22T00:00:00.000000000Z\"}\n";
    }

    /** berthd's systemd watchdog pings only while this answers. */
    @Test
    void answersPings() throws Exception {
        try (ShimExitMonitor monitor = new ShimExitMonitor()) {
            monitor.ping().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void closedMonitorRefusesWatches(@TempDir Path dir) throws IOException {
        ShimExitMonitor m = new ShimExitMonitor();
        m.close();
        assertEquals(dev.berth.oci.BerthException.Kind.FAILED_PRECONDITION,
                org.junit.jupiter.api.Assertions.assertThrows(dev.berth.oci.BerthException.class,
                        () -> m.watch("x", dir, r -> { })).kind());
    }
}
