package dev.berth.daemon.network;

import static dev.berth.daemon.network.NetworkTestSupport.inNetns;
import static dev.berth.daemon.network.NetworkTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.image.OverlayRootfs;
import dev.berth.oci.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetnsManagerTest {
    @TempDir
    Path tmp;
    private NetnsManager netns;

    @BeforeEach
    void setUp() {
        if (!NetworkTestSupport.isRoot()) {
            System.out.println("NetnsManagerTest skipped: creating network namespaces needs root");
        }
        assumeTrue(NetworkTestSupport.isRoot(), "needs root");
        netns = new NetnsManager(tmp.resolve("netns"));
    }

    @AfterEach
    void tearDown() {
        if (netns == null) {
            return;
        }
        netns.list().forEach(netns::remove);
        OverlayRootfs.unmount(netns.dir());
    }

    @Test
    void createsAPinnedNamespaceOfItsOwnAndRemovesIt() throws Exception {
        Path a = netns.create("pod-a");
        Path b = netns.create("pod-b");

        assertEquals(netns.dir().resolve("pod-a"), a);
        assertTrue(OverlayRootfs.isMounted(a), "the namespace is pinned by a mount on its file");
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String inA = inNetns(a, "readlink", "/proc/self/ns/net").output().strip();
        String inB = inNetns(b, "readlink", "/proc/self/ns/net").output().strip();
        assertTrue(inA.startsWith("net:["), inA);
        assertNotEquals(host, inA);
        assertNotEquals(inA, inB);
        assertEquals(List.of(a, b), netns.list());
        assertTrue(run("findmnt", "-n", "-o", "PROPAGATION", netns.dir().toString()).output().contains("shared"),
                "the directory is a shared mount, so unmounts reach copies in other mount namespaces");

        netns.remove(a);
        assertFalse(Files.exists(a));
        assertFalse(OverlayRootfs.isMounted(a));
        assertEquals(List.of(b), netns.list());
        netns.remove(a);  // already gone: fine

        Files.createFile(a);  // left by a crash between create's touch and its mount
        netns.remove(a);
        assertFalse(Files.exists(a));
    }

    @Test
    void refusesBadNamesDuplicatesAndForeignPaths() {
        netns.create("dup");
        BerthException dup = assertThrows(BerthException.class, () -> netns.create("dup"));
        assertEquals(BerthException.Kind.ALREADY_EXISTS, dup.kind());
        assertTrue(dup.getMessage().contains("dup"), dup.getMessage());

        for (String bad : new String[] {"../escape", "", ".hidden", "a/b"}) {
            BerthException e = assertThrows(BerthException.class, () -> netns.create(bad));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), bad);
        }
        BerthException foreign = assertThrows(BerthException.class, () -> netns.remove(Path.of("/etc/hostname")));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, foreign.kind());
        assertTrue(Files.exists(Path.of("/etc/hostname")));
        assertEquals(1, netns.list().size(), "nothing but the first namespace was made");
    }
}
