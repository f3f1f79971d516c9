package dev.berth.image;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class BuiltinImageTest {
    @TempDir Path tmp;

    @Test
    void buildsDeterministicBusyboxImage() throws Exception {
        Path busybox = Path.of("/bin/busybox");
        Assumptions.assumeTrue(Files.isExecutable(busybox), "no /bin/busybox (busybox-static): skipped");
        var d1 = BuiltinImage.write(tmp.resolve("one/busybox"), busybox);
        var d2 = BuiltinImage.write(tmp.resolve("two/busybox"), busybox);
        assertEquals(d1.digest(), d2.digest(), "same input, same manifest digest");

        ImageStore store = new ImageStore(tmp.resolve("store"));
        try {
            check(store);
        } finally {
            // JUnit's own cleanup warns about every absolute applet symlink.
            TestSupport.deleteTree(tmp);
        }
    }

    private void check(ImageStore store) throws Exception {
        ImageRecord r = store.importImage(tmp.resolve("one/busybox"), Optional.empty());
        assertEquals(List.of("localhost/busybox:latest"), r.names());
        assertEquals(r.id(), store.resolve("busybox").orElseThrow().id());
        var config = store.config(r);
        assertEquals(List.of("sh"), config.config().cmd());
        assertEquals(List.of(BuiltinImage.PATH_ENV), config.config().env());
        assertEquals("amd64", config.architecture());
        Path root = store.layerDirs(r).get(0);
        assertEquals(Path.of("/bin/busybox"), Files.readSymbolicLink(root.resolve("bin/sh")));
        assertTrue(Files.isExecutable(root.resolve("bin/busybox")));
        assertTrue(Files.readString(root.resolve("etc/passwd")).startsWith("root:x:0:0:"));
        assertEquals(01777, (Integer) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777);
        for (String d : List.of("proc", "sys", "dev", "root", "home")) {
            assertTrue(Files.isDirectory(root.resolve(d)), d);
        }
    }
}
