package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A berthd whose containers get the views of a berth-viewfs run beside it: started together, closed together. */
public final class ViewsDaemon implements AutoCloseable {
    public final Path mount;
    public final BerthHarness berth;
    public final ViewFsProcess viewfs;

    private ViewsDaemon(Path mount, BerthHarness berth, ViewFsProcess viewfs) {
        this.mount = mount;
        this.berth = berth;
        this.viewfs = viewfs;
    }

    /** {@code prefix} names the mount point's temp dir. */
    public static ViewsDaemon start(String prefix) throws Exception {
        assertTrue(Files.exists(Path.of("/dev/fuse")), "resource views need /dev/fuse");
        Path mount = Files.createTempDirectory(Path.of("/tmp"), prefix);
        BerthHarness berth = new BerthHarness(List.of("resource_views = \"" + mount + "\""));
        ViewFsProcess viewfs = new ViewFsProcess(mount, berth.cgroupParent(), berth.base().resolve("viewfs.log"));
        ViewsDaemon views = new ViewsDaemon(mount, berth, viewfs);
        try {
            viewfs.start();
        } catch (Exception | AssertionError e) {
            views.close();
            throw e;
        }
        return views;
    }

    @Override
    public void close() throws Exception {
        try {
            berth.close();
        } finally {
            viewfs.close();
        }
    }
}
