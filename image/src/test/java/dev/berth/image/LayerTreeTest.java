package dev.berth.image;

import static dev.berth.image.OciLayoutWriter.Entry.dir;
import static dev.berth.image.OciLayoutWriter.Entry.file;
import static dev.berth.image.OciLayoutWriter.Entry.opaque;
import static dev.berth.image.OciLayoutWriter.Entry.symlink;
import static dev.berth.image.OciLayoutWriter.Entry.whiteout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.RootfsPaths;
import dev.berth.oci.bundle.UserResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image's layers read as their overlay mount shows them, compared with that mount itself: the same files
 * through whiteouts, opaque directories, a file over a directory and a symlinked directory across layers.
 */
class LayerTreeTest {
    @TempDir Path tmp;
    private ImageStore store;
    private LayerTree tree;
    private List<Path> layers;

    @BeforeEach
    void importThreeLayers() {
        Assumptions.assumeTrue(TestSupport.isRoot(), "whiteout char devices and trusted.* xattrs need root");
        store = new ImageStore(tmp.resolve("store"));
        Path layout = TestSupport.layout(tmp.resolve("layout"), "latest",
                List.of(dir("etc", 0755), file("etc/passwd", "root:x:0:0::/root:/bin/sh\nold:x:5:5::/:/bin/sh\n"),
                        file("etc/group", "root:x:0:\nstaff:x:50:web\n"), dir("opq", 0755), file("opq/old", "1"),
                        dir("was-dir", 0755), file("was-dir/child", "1"), dir("real", 0755),
                        file("real/passwd", "moved:x:77:77::/:/bin/sh\n")),
                List.of(file("etc/passwd", "root:x:0:0::/root:/bin/sh\nweb:x:1000:1000::/home/web:/bin/sh\n"),
                        whiteout("etc", "group"), opaque("opq"), file("opq/new", "2"), file("was-dir", "now a file")),
                List.of(symlink("link-etc", "/real"), symlink("loop", "loop")));
        ImageRecord image = store.importImage(layout, Optional.empty());
        layers = store.layerDirs(image);
        tree = new LayerTree(layers);
    }

    @Test
    void theTopmostLayerHavingAFileGivesIt() throws IOException {
        Path passwd = RootfsPaths.locate(tree, "/etc/passwd");
        assertEquals(layers.get(1).resolve("etc/passwd"), passwd);
        assertEquals(1000, UserResolver.in(tree).resolve("web").uid());
        BerthException e = assertThrows(BerthException.class, () -> UserResolver.in(tree).resolve("old"));
        assertTrue(e.getMessage().contains("no user \"old\""), e.getMessage());
    }

    @Test
    void aWhiteoutHidesTheLowerLayersFile() {
        assertNull(RootfsPaths.locate(tree, "/etc/group"));
        assertEquals(List.of(), UserResolver.in(tree).resolve("web").additionalGids(), "no /etc/group: no groups");
        assertThrows(BerthException.class, () -> UserResolver.in(tree).resolve("web:staff"));
    }

    @Test
    void anOpaqueDirectoryHidesWhatLowerLayersHaveInIt() {
        assertNull(RootfsPaths.locate(tree, "/opq/old"));
        assertEquals(layers.get(1).resolve("opq/new"), RootfsPaths.locate(tree, "/opq/new"));
    }

    @Test
    void aFileOverADirectoryHidesTheDirectorysChildren() {
        assertNull(RootfsPaths.locate(tree, "/was-dir/child"));
        assertEquals(layers.get(1).resolve("was-dir"), RootfsPaths.locate(tree, "/was-dir"));
    }

    @Test
    void aSymlinkInOneLayerLeadsToADirectoryOfAnother() {
        assertEquals(layers.get(0).resolve("real/passwd"), RootfsPaths.locate(tree, "/link-etc/passwd"));
        assertEquals(layers.get(0).resolve("real/passwd"), RootfsPaths.locate(tree, "/link-etc/../real/passwd"));
        BerthException e = assertThrows(BerthException.class, () -> RootfsPaths.locate(tree, "/loop"));
        assertTrue(e.getMessage().contains("too many symlinks"), e.getMessage());
    }

    @Test
    void whatTheTreeShowsIsWhatTheOverlayMountShows() throws IOException {
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path merged = Files.createDirectories(tmp.resolve("merged"));
        OverlayRootfs.mount(layers, upper, work, merged);
        try {
            for (String path : List.of("/etc/passwd", "/etc/group", "/opq/old", "/opq/new", "/was-dir",
                    "/was-dir/child", "/real/passwd", "/link-etc/passwd", "/nothing/here")) {
                Path inTree = RootfsPaths.locate(tree, path);
                Path mounted = RootfsPaths.resolve(merged, path);
                assertEquals(Files.exists(mounted), inTree != null, path);
                if (inTree != null && Files.isRegularFile(mounted)) {
                    assertEquals(Files.readString(mounted), Files.readString(inTree), path);
                }
            }
        } finally {
            OverlayRootfs.unmount(merged);
        }
    }
}
