package dev.berth.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing and framing, without a shim. */
class ExitStatusAndFramesTest {

    @Test
    void parsesExitJson() {
        ExitStatus s = ExitStatus.parse(
                "{\"exitCode\":137,\"signal\":9,\"oomKilled\":true,\"finishedAt\":\"2026-11-22T05:01:53.358995409Z\"}\n", "c1");
        assertEquals(new ExitStatus(137, 9, true, Instant.parse("2026-11-22T05:01:53.358995409Z")), s);
        assertThrows(BerthException.class, () -> ExitStatus.parse("{}", "c1"));
    }

    @Test
    void readsExitFile(@TempDir Path dir) throws IOException {
        assertTrue(ExitStatus.read(dir).isEmpty());
        Files.writeString(dir.resolve("exit"),
                "{\"exitCode\":3,\"signal\":0,\"oomKilled\":false,\"finishedAt\":\"2026-01-01T00:00:00.000000001Z\"}\n");
        assertEquals(3, ExitStatus.read(dir).orElseThrow().exitCode());
    }

    @Test
    void launchAnswers() {
        assertEquals(new LaunchedShim(12, 34), ShimLauncher.parse("c1", "ok 12 34", ""));
        BerthException e = assertThrows(BerthException.class,
                () -> ShimLauncher.parse("c1", "error create: runc create failed: boom", ""));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("create container c1: runc create failed: boom", e.getMessage());
        assertEquals(BerthException.Kind.ALREADY_EXISTS, assertThrows(BerthException.class,
                () -> ShimLauncher.parse("c1", "error create: container with id exists: c1", "")).kind());
        BerthException killed = assertThrows(BerthException.class,
                () -> ShimLauncher.parse("c1", "error create: runtime was killed (status 9)", ""));
        assertEquals(BerthException.Kind.INTERNAL, killed.kind());
        assertEquals("create container c1: runtime was killed (status 9)", killed.getMessage());
        assertEquals(BerthException.Kind.INTERNAL, assertThrows(BerthException.class,
                () -> ShimLauncher.parse("c1", "error listen: x", "")).kind());
        assertEquals(BerthException.Kind.INTERNAL, assertThrows(BerthException.class,
                () -> ShimLauncher.parse("c1", "", "")).kind());
    }

    @Test
    void framesRoundTrip(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                 SocketChannel peer = server.accept()) {
                FrameStream fs = new FrameStream(client, ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 0, 0, 0, 2, 'h'}));
                peer.write(ByteBuffer.wrap(new byte[] {'i', 3, 0, 0, 0, 0, 0, 0, 1, '0'}));
                Frame f = fs.read();
                assertEquals(1, f.stream());
                assertArrayEquals("hi".getBytes(), f.payload());
                f = fs.read();
                assertEquals(3, f.stream());
                assertEquals("0", new String(f.payload()));
                fs.resize(24, 80);
                fs.closeStdin();
                ByteBuffer got = ByteBuffer.allocate(8 + 5 + 8);
                while (got.hasRemaining()) {
                    peer.read(got);
                }
                assertArrayEquals(new byte[] {4, 0, 0, 0, 0, 0, 0, 5, '2', '4', ' ', '8', '0', 0, 0, 0, 0, 0, 0, 0, 0},
                        got.array());
                peer.close();
                assertNull(fs.read());
                fs.close();
            }
        }
    }
}
