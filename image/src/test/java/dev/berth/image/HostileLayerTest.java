package dev.berth.image;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

/** Layers built to escape the layer dir or exhaust the disk: each is refused and leaves no trace. */
class HostileLayerTest {
    @TempDir Path tmp;
    Path canary;
    Path store;
    TreeMap<String, String> before;

    @BeforeEach
    void canary() throws IOException {
        canary = tmp.resolve("canary-dir");
        Files.createDirectories(canary.resolve("sub"));
        Files.writeString(canary.resolve("sub/keep"), "keep");
        store = tmp.resolve("store");
        before = TestSupport.snapshot(canary);
    }

    @AfterEach
    void nothingOutside() throws IOException {
        assertEquals(before, TestSupport.snapshot(canary), "canary dir changed");
        try (Stream<Path> s = Files.walk(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("evil")).toList());
        }
    }

    private BerthException refused(List<OciLayoutWriter.Entry> layer, String expected) {
        return refused(new ImageStore(store), layer, expected);
    }

    private BerthException refused(ImageStore s, List<OciLayoutWriter.Entry> layer, String expected) {
        Path layout = TestSupport.layout(tmp.resolve("layout-" + System.nanoTime()), "latest",
                List.of(dir("ok", 0755), file("ok/file", "fine")), layer);
        BerthException e = assertThrows(BerthException.class, () -> s.importImage(layout, Optional.of("hostile")));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("unpack layer sha256:"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(s.list().isEmpty());
        assertEquals(List.of(), TestSupport.list(store.resolve("layers")), "no layer registered");
        assertEquals(List.of(), TestSupport.list(store.resolve("l")));
        assertEquals(List.of(), TestSupport.list(store.resolve("tmp")), "temp dir removed");
        TestSupport.deleteTree(layout);
        return e;
    }

    @Test
    void dotDot() {
        refused(List.of(file("../evil", "x")), "entry '../evil' escapes the layer");
        refused(List.of(file("../../../../../../../tmp/evil", "x")), "escapes the layer");
    }

    @Test
    void absoluteWithDotDot() {
        refused(List.of(file("/abs/../../evil", "x")), "entry '/abs/../../evil' escapes the layer");
    }

    @Test
    void throughSymlinkToOutside() {
        refused(List.of(symlink("link", canary.toString()), file("link/evil", "x")),
                "entry 'link/evil' goes through the symlink 'link'");
        refused(List.of(symlink("link", canary.toString()), dir("link/sub/evil", 0755)), "goes through the symlink");
    }

    @Test
    void symlinkChains() {
        refused(List.of(symlink("a", "b"), symlink("b", "c"), symlink("c", canary.toString()), file("a/evil", "x")),
                "goes through the symlink 'a'");
        refused(List.of(dir("d", 0755), symlink("d/up", "../../.."), file("d/up/evil", "x")),
                "goes through the symlink 'd/up'");
    }

    @Test
    void symlinkReplacedByFileDoesNotFollow() throws IOException {
        // Writing a regular file where a symlink stands replaces the link, it does not write through it.
        ImageStore s = new ImageStore(store);
        Path layout = TestSupport.layout(tmp.resolve("ok"), "latest",
                List.of(symlink("f", canary.resolve("sub/keep").toString()), file("f", "overwritten?")));
        ImageRecord r = s.importImage(layout, Optional.empty());
        Path f = s.layerDirs(r).get(0).resolve("f");
        assertFalse(Files.isSymbolicLink(f));
        assertEquals("overwritten?", Files.readString(f));
    }

    @Test
    void hardlinks() {
        refused(List.of(hardlink("evil-passwd", "/etc/passwd")), "hardlink to '/etc/passwd' that is not a file in the layer");
        refused(List.of(hardlink("evil-x", "../x")), "hardlink to '../x' outside the layer");
        refused(List.of(symlink("s", canary.toString()), hardlink("evil-h", "s/sub/keep")),
                "hardlink to 's/sub/keep'");
    }

    @Test
    void devices() {
        refused(List.of(charDevice("evil-mem", 1, 1)), "is a character device (1,1)");
        refused(List.of(new OciLayoutWriter.Entry(OciLayoutWriter.Type.BLOCK_DEVICE, "evil-sda", 0660, 0, 0, null, null,
                8, 0, OciLayoutWriter.FIXED_MTIME)), "is a block device");
    }

    @Test
    void tarBombs() {
        ImageStore small = new ImageStore(store, new LayerUnpacker(1000, 50));
        refused(small, List.of(file("big", new byte[2000], 0644)), "more than 1000 unpacked bytes (limit)");
        List<OciLayoutWriter.Entry> many = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) many.add(file("f" + i, ""));
        refused(small, many, "more than 50 entries (limit)");
    }

    @Test
    void absolutePathsLandInTheLayer() throws IOException {
        String name = "abs-inside-" + System.nanoTime();
        ImageStore s = new ImageStore(store);
        ImageRecord r = s.importImage(TestSupport.layout(tmp.resolve("abs"), "latest",
                List.of(file("/" + name, "x"), dir("/etc/", 0755), file("/etc/" + name, "y"))), Optional.empty());
        Path layer = s.layerDirs(r).get(0);
        assertEquals("x", Files.readString(layer.resolve(name)));
        assertEquals("y", Files.readString(layer.resolve("etc").resolve(name)));
        assertFalse(Files.exists(Path.of("/", name), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(Path.of("/etc", name), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void hardlinkChainsStayInTheLayer() throws IOException {
        // A hardlink to a symlink links the symlink itself (link(2) does not follow it), never its target.
        Object passwdLinks = Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink");
        ImageStore s = new ImageStore(tmp.resolve("store-ok"));
        ImageRecord r = s.importImage(TestSupport.layout(tmp.resolve("chain"), "latest",
                List.of(file("a", "content"), hardlink("b", "a"), hardlink("c", "b"),
                        symlink("s", "/etc/passwd"), hardlink("h", "s"), hardlink("h2", "h"))), Optional.empty());
        Path layer = s.layerDirs(r).get(0);
        assertEquals(3, Files.getAttribute(layer.resolve("c"), "unix:nlink"));
        assertTrue(Files.isSymbolicLink(layer.resolve("h2")));
        assertEquals(passwdLinks, Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink"));
        refused(List.of(symlink("s", canary.toString()), hardlink("h", "s"), hardlink("evil", "h/sub/keep")),
                "hardlink to 'h/sub/keep'");
    }

    @Test
    void setuidFilesKeptInsideTheLayerOnly() throws IOException {
        ImageStore s = new ImageStore(store);
        ImageRecord r = s.importImage(TestSupport.layout(tmp.resolve("suid"), "latest",
                List.of(dir("bin", 0755), file("bin/su", "#!/bin/true\n".getBytes(UTF_8), 04755),
                        dir("shared", 02775), file("shared/sgid", "x".getBytes(UTF_8), 02755))), Optional.empty());
        Path layer = s.layerDirs(r).get(0);
        assertEquals(04755, mode(layer.resolve("bin/su")), "setuid kept for the container");
        assertEquals(02755, mode(layer.resolve("shared/sgid")));
        assertEquals(02775, mode(layer.resolve("shared")));
        assertTrue(layer.startsWith(store), layer + " is the store's, not the host's");
    }

    @Test
    void whiteoutsTargetingOutside() {
        refused(List.of(file("../.wh.evil", "")), "entry '../.wh.evil' escapes the layer");
        refused(List.of(file("/etc/../../.wh.evil", "")), "escapes the layer");
        refused(List.of(file(".wh..", "")), "entry '.wh..' is a malformed whiteout");
        refused(List.of(symlink("link", canary.resolve("sub").toString()), file("link/.wh.keep", "")),
                "entry 'link/.wh.keep' goes through the symlink 'link'");
        refused(List.of(symlink("link", canary.toString()), file("link/.wh..wh..opq", "")),
                "entry 'link/.wh..wh..opq' goes through the symlink 'link'");
    }

    @Test
    void hugeSparseFilesCountTheirRealSize() throws IOException, InterruptedException {
        // A few KiB of tar that expands to 1 GiB: the limit must stop it before writing, not after.
        LayerUnpacker unpacker = new LayerUnpacker(1 << 20, 100);
        for (String format : List.of("gnu", "pax")) {
            Path target = Files.createDirectories(tmp.resolve("sparse-" + format));
            Path layer = sparseTar(format, 1L << 30);
            assertTrue(Files.size(layer) < 64 << 10, "sparse tar is small: " + Files.size(layer));
            BerthException e = assertThrows(BerthException.class, () -> unpack(unpacker, layer, target));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("more than 1048576 unpacked bytes (limit) at entry 'big'"), e.getMessage());
            assertFalse(Files.exists(target.resolve("big")), "nothing written for " + format);
        }
        // Under the limit, a sparse file unpacks to its real size and content.
        Path target = Files.createDirectories(tmp.resolve("sparse-small"));
        LayerUnpacker.Result r = unpack(unpacker, sparseTar("pax", 256 << 10), target);
        byte[] big = Files.readAllBytes(target.resolve("big"));
        assertEquals(256 << 10, big.length);
        assertEquals("data", new String(big, 1000, 4, UTF_8));
        assertTrue(r.contentBytes() >= 256 << 10, r.toString());
    }

    private static LayerUnpacker.Result unpack(LayerUnpacker unpacker, Path layer, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(layer)) {
            return unpacker.unpack(in, target, "sparse");
        }
    }

    /** A tar (by GNU tar, which writes sparse entries) of one file 'big' of {@code size} bytes, "data" at 1000. */
    private Path sparseTar(String format, long size) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(tmp, "sparse-src-");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("big").toFile(), "rw")) {
            f.setLength(size);
            f.seek(1000);
            f.write("data".getBytes(UTF_8));
        }
        Path tar = dir.resolveSibling(dir.getFileName() + ".tar");
        Process p = new ProcessBuilder("tar", "--sparse", "--format=" + format, "-cf", tar.toString(), "-C", dir.toString(), "big")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, p.waitFor(), "tar: " + out);
        TestSupport.deleteTree(dir);
        return tar;
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void goodLayerNextToHostileOneIsCleanedToo() {
        // The first layer of the image unpacked fine; the import failed; neither stays.
        BerthException e = refused(List.of(file("../evil", "x")), "escapes");
        assertNotNull(e.getMessage());
        assertEquals(List.of(), TestSupport.list(store.resolve("blobs/sha256")));
    }
}
