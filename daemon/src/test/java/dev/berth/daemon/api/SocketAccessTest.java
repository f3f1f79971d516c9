package dev.berth.daemon.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import dev.berth.testing.Await;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketAccessTest {
    private static final int NOBODY = 65534;
    private static final int NOGROUP = 65534;
    /** The "daemon" group of Debian: any group but nogroup and root does. */
    private static final int OTHER_GROUP = 1;

    @TempDir
    Path dir;
    private ApiServer server;
    private Path socket;
    private final List<LogRecord> refusals = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            refusals.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureRefusals() {
        Logger.getLogger(PeerCredentialsGate.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger(PeerCredentialsGate.class.getName()).removeHandler(capture);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void groupsResolveByNameAndNumber() {
        SocketAccess byName = SocketAccess.forGroup("nogroup");
        assertEquals(NOGROUP, byName.gid());
        assertEquals("nogroup", SocketAccess.forGroup(Integer.toString(NOGROUP)).group());
        assertEquals(0, SocketAccess.rootOnly().gid());
        for (String bad : new String[] {"no-such-group-berth-test", "", " ", "4000000000"}) {
            BerthException e = assertThrows(BerthException.class, () -> SocketAccess.forGroup(bad));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().startsWith("socket access: socket_group"), e.getMessage());
        }
    }

    @Test
    void rootAndGroupMembersAreAllowed() {
        SocketAccess access = SocketAccess.forGroup("nogroup");
        assertTrue(access.allows(0, 0, new int[0]));
        assertTrue(access.allows(1000, NOGROUP, new int[0]));
        assertTrue(access.allows(1000, 1000, new int[] {27, NOGROUP}));
        assertFalse(access.allows(1000, 1000, new int[] {27}));
        assertFalse(access.allows(NOBODY, OTHER_GROUP, new int[0]));
        assertFalse(SocketAccess.rootOnly().allows(1000, 1000, new int[] {1000}));
    }

    @Test
    void supplementaryGroupsAreThoseOfTheProcess() throws Exception {
        CurlAs.assumeAvailable();
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--groups=" + OTHER_GROUP + "," + NOGROUP, "sleep", "30").start();
        try {
            int[] expected = {OTHER_GROUP, NOGROUP};
            // Until setpriv has set them: before, the forked process still has the test's own groups.
            int[] groups = Await.lastValue(() -> SocketAccess.supplementaryGroups((int) p.pid()),
                    g -> Arrays.equals(expected, g), 10_000);
            assertArrayEquals(expected, groups);
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertEquals(0, SocketAccess.supplementaryGroups(0).length);
        assertEquals(0, SocketAccess.supplementaryGroups(Integer.MAX_VALUE).length, "no such process");
    }

    @Test
    void theSocketIsRootAndGroupOnlyFromTheStart() throws Exception {
        start("nogroup");
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals(0, Files.getAttribute(socket, "unix:uid"));
        assertEquals(NOGROUP, Files.getAttribute(socket, "unix:gid"));
        try (Stream<Path> left = Files.list(socket.getParent())) {
            assertEquals(List.of(socket), left.toList(), "the staging directory is gone");
        }
    }

    @Test
    void groupMembersGetInAndOthersAreRefused() throws Exception {
        CurlAs.assumeAvailable();
        start("nogroup");
        assertEquals("200", CurlAs.get(socket, NOBODY, NOGROUP, List.of(), "http://d/v1/ping").httpCode(),
                "primary group nogroup");
        assertEquals("200", CurlAs.get(socket, NOBODY, OTHER_GROUP, List.of(NOGROUP), "http://d/v1/ping").httpCode(),
                "supplementary group nogroup");

        CurlAs.Result outsider = CurlAs.get(socket, NOBODY, OTHER_GROUP, List.of(), "http://d/v1/ping");
        assertEquals(7, outsider.exit(), "connect() fails: " + outsider);
        assertEquals("000", outsider.httpCode());
        assertEquals(List.of(), refusals, "the kernel refused it (EACCES): the gate never saw the connection");
    }

    @Test
    void peerCredentialsAreCheckedEvenWhenTheFileIsOpenToAll() throws Exception {
        CurlAs.assumeAvailable();
        start("nogroup");
        // What an operator's careless chmod would do: the kernel now lets anyone connect.
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        CurlAs.Result outsider = CurlAs.get(socket, NOBODY, OTHER_GROUP, List.of(), "http://d/v1/ping");
        assertNotEquals(0, outsider.exit(), "closed before any answer: " + outsider);
        assertEquals("000", outsider.httpCode());
        assertTrue(refusals.stream().anyMatch(r -> r.getMessage().contains("from uid {1,number,#}")
                        && ((Number) r.getParameters()[1]).intValue() == NOBODY
                        && ((Number) r.getParameters()[3]).intValue() > 0),
                "the refusal is logged with uid and pid");
        assertEquals("200", CurlAs.get(socket, 0, 0, List.of(), "http://d/v1/ping").httpCode(), "root still gets in");
    }

    private void start(String group) throws Exception {
        Path sockets = Files.createDirectory(dir.resolve("sockets"));
        // The test's temp dir is 0700; the users under test must reach the socket to be refused by it.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = sockets.resolve("api.sock");
        ApiHandler.Routes routes = new ApiHandler.Routes()
                .add("GET", "/v1/ping", (ex, m) -> ex.json(HttpResponseStatus.OK, Map.of("ok", true)));
        server = new ApiServer(socket, SocketAccess.forGroup(group), routes, ConnectionPolicy.UNLIMITED);
        server.start();
    }
}
