package dev.berth.image;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.berth.image.OciLayoutWriter.Entry.*;
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
    void goodLayerNextToHostileOneIsCleanedToo() {
        // The first layer of the image unpacked fine; the import failed; neither stays.
        BerthException e = refused(List.of(file("../evil", "x")), "escapes");
        assertNotNull(e.getMessage());
        assertEquals(List.of(), TestSupport.list(store.resolve("blobs/sha256")));
    }
}
