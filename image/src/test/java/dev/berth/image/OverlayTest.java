package dev.berth.image;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

class OverlayTest {
    @TempDir Path tmp;

    private ImageRecord importTwoLayers(ImageStore store) {
        Path layout = TestSupport.layout(tmp.resolve("wh"), "latest",
                List.of(dir("etc", 0755), file("etc/gone", "lower"), file("etc/kept", "lower"),
                        dir("opq", 0755), file("opq/old", "lower")),
                List.of(whiteout("etc", "gone"), opaque("opq"), file("opq/new", "upper")));
        return store.importImage(layout, Optional.empty());
    }

    @Test
    void whiteoutsBecomeOverlayMarkers() throws Exception {
        Assumptions.assumeTrue(TestSupport.isRoot(), "whiteout char devices and trusted.* xattrs need root: skipped");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = importTwoLayers(store);
        Path top = store.layerDirs(r).get(1);
        Path wh = top.resolve("etc/gone");
        assertEquals(020000, (Integer) Files.getAttribute(wh, "unix:mode") & 0170000, "char device");
        assertEquals(0L, ((Long) Files.getAttribute(wh, "unix:rdev")).longValue(), "device 0/0");
        assertFalse(Files.exists(top.resolve("etc/.wh.gone")));
        assertFalse(Files.exists(top.resolve("opq/.wh..wh..opq")));
        assertEquals("y", getXattr(top.resolve("opq"), "trusted.overlay.opaque"));
    }

    @Test
    void overlayMountShowsDeletions() throws Exception {
        Assumptions.assumeTrue(TestSupport.isRoot(), "mounting overlayfs needs root: skipped");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = importTwoLayers(store);
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path target = Files.createDirectories(tmp.resolve("rootfs"));
        try {
            OverlayRootfs.mount(store.layerDirs(r), upper, work, target);
            assertTrue(OverlayRootfs.isMounted(target));
            assertFalse(Files.exists(target.resolve("etc/gone")), "whited-out file hidden");
            assertEquals("lower", Files.readString(target.resolve("etc/kept")));
            assertFalse(Files.exists(target.resolve("opq/old")), "opaque dir hides lower content");
            assertEquals("upper", Files.readString(target.resolve("opq/new")));
            Files.writeString(target.resolve("etc/written"), "w");
            assertEquals("w", Files.readString(upper.resolve("etc/written")), "writes go to upper");
        } finally {
            OverlayRootfs.unmount(target);
        }
        assertFalse(OverlayRootfs.isMounted(target));
        OverlayRootfs.unmount(target); // not mounted any more: tolerated
    }

    @Test
    void mountErrorsCarryErrno() throws Exception {
        Assumptions.assumeTrue(TestSupport.isRoot(), "mount(2) needs root: skipped");
        Path missing = tmp.resolve("missing");
        Path target = Files.createDirectories(tmp.resolve("t"));
        var e = assertThrows(dev.berth.oci.BerthException.class,
                () -> OverlayRootfs.mount(List.of(missing), Files.createDirectories(tmp.resolve("u")),
                        Files.createDirectories(tmp.resolve("w")), target));
        assertTrue(e.getMessage().contains("errno"), e.getMessage());
        assertFalse(OverlayRootfs.isMounted(target));
    }

    @Test
    void optionsAreTopFirstAndBounded() {
        String o = OverlayRootfs.options(List.of(Path.of("/l/bottom"), Path.of("/l/top")), Path.of("/u"), Path.of("/w"), "t");
        assertEquals("lowerdir=/l/top:/l/bottom,upperdir=/u,workdir=/w", o);
        List<Path> many = java.util.Collections.nCopies(200, Path.of("/var/lib/berth/images/layers/" + "a".repeat(64) + "/diff"));
        var e = assertThrows(dev.berth.oci.BerthException.class, () -> OverlayRootfs.options(many, Path.of("/u"), Path.of("/w"), "t"));
        assertTrue(e.getMessage().contains("over the kernel's"), e.getMessage());
        assertThrows(dev.berth.oci.BerthException.class, () -> OverlayRootfs.options(List.of(Path.of("/a:b")), Path.of("/u"), Path.of("/w"), "t"));
    }

    private static String getXattr(Path p, String name) {
        byte[] buf = new byte[64];
        long n = Libc.lib().lgetxattr(p.toString(), name, buf, buf.length);
        assertTrue(n >= 0, "lgetxattr " + name + ": " + (n < 0 ? Libc.errnoText(Libc.errno()) : ""));
        return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    }
}
