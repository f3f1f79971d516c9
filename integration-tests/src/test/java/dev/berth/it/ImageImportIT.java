package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.OciLayoutWriter;
import dev.berth.image.OciLayoutWriter.Entry;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.SharedDaemonIT;
import dev.berth.it.support.BerthHarness.Result;
import dev.berth.oci.spec.image.ImageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** berth image import/images/rm through the daemon, and hostile layers refused without a trace. */
class ImageImportIT extends SharedDaemonIT {

    private static ImageConfig config(List<String> cmd) {
        return new ImageConfig(null, null, "amd64", "linux", null,
                new ImageConfig.Config(null, null, List.of("PATH=/bin"), null, cmd, null, null, null, null),
                null, null);
    }

    /** A layout whose one image is the built-in busybox layer plus a layer of the given entries. */
    private static Path layout(String name, List<Entry> extra) throws Exception {
        Path dir = berth.base().resolve("layouts").resolve(name);
        OciLayoutWriter w = new OciLayoutWriter(dir);
        Path busybox = berth.base().resolve("bb-rootfs");
        if (!Files.exists(busybox)) {
            Files.createDirectories(busybox.resolve("bin"));
            Files.copy(Path.of("/bin/busybox"), busybox.resolve("bin/busybox"));
            Files.createSymbolicLink(busybox.resolve("bin/sh"), Path.of("busybox"));
            Files.createSymbolicLink(busybox.resolve("bin/cat"), Path.of("busybox"));
        }
        w.addLayerFromDirectory(busybox);
        w.addLayer(extra);
        w.writeImage(config(List.of("cat", "/greeting")), "v1");
        return dir;
    }

    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                files.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? Files.readString(p) : "<dir>");
            }
        }
        return files;
    }

    @Test
    void importRunAndRemoveAnImage() throws Exception {
        Path dir = layout("greeter", List.of(Entry.file("greeting", "hello from an imported image\n")));
        String imported = berth.ok("image", "import", dir.toString(), "--name", "localhost/greeter:v1");
        assertTrue(imported.contains("greeter") || imported.startsWith("sha256:") || !imported.isEmpty(), imported);
        assertTrue(berth.ok("images").contains("localhost/greeter"), berth.ok("images"));
        assertEquals("hello from an imported image", berth.ok("run", "--rm", "greeter:v1"));

        String id = berth.ok("create", "localhost/greeter:v1");
        Result inUse = berth.berth("image", "rm", "localhost/greeter:v1");
        assertNotEquals(0, inUse.exitCode(), "an image a container uses must not go without -f");
        assertTrue(inUse.stderr().contains("used by a container"), inUse.stderr());
        berth.ok("rm", id);
        berth.ok("image", "rm", "localhost/greeter:v1");
        assertTrue(!berth.ok("images").contains("greeter"), "the image is still listed");
    }

    @Test
    void aWorkingDirectoryThatIsASymlinkInTheImageIsFollowedInsideTheRootfs() throws Exception {
        String escape = "berth-workdir-escape-" + System.nanoTime();
        Path dir = layout("linked", List.of(Entry.symlink("work", "/data/app"),
                Entry.symlink("out", "/../../../../../tmp/" + escape)));
        berth.ok("image", "import", dir.toString(), "--name", "localhost/linked:v1");
        try {
            // The links point at directories the image lacks: made inside the rootfs, as Docker makes them.
            assertEquals("/data/app", berth.ok("run", "--rm", "-w", "/work", "linked:v1", "sh", "-c", "pwd -P"));
            assertEquals("/tmp/" + escape, berth.ok("run", "--rm", "-w", "/out", "linked:v1", "sh", "-c", "pwd -P"));
            assertTrue(Files.notExists(Path.of("/tmp", escape)), "the working directory was made on the host");
        } finally {
            berth.ok("image", "rm", "localhost/linked:v1");
        }
    }

    @Test
    void hostileLayersAreRefusedAndTheHostIsUntouched() throws Exception {
        Path canary = Files.createDirectories(berth.base().resolve("canary"));
        Files.writeString(canary.resolve("keep"), "original");
        Map<String, String> before = snapshot(canary);
        String rel = "../../../../../../../../.." + canary;
        List<List<Entry>> attacks = List.of(
                List.of(Entry.file(rel + "/evil", "pwned")),
                List.of(Entry.symlink("escape", canary.toString()), Entry.file("escape/evil", "pwned")),
                List.of(Entry.symlink("hop", "../../../../../../../.." + canary), Entry.file("hop/keep", "pwned")),
                List.of(Entry.hardlink("linked", canary.resolve("keep").toString())),
                List.of(Entry.charDevice("dev-null-copy", 1, 3)));
        int n = 0;
        for (List<Entry> attack : attacks) {
            Path dir = layout("hostile-" + n++, attack);
            Result r = berth.berth("image", "import", dir.toString(), "--name", "localhost/hostile:" + n);
            assertNotEquals(0, r.exitCode(), "hostile layer " + attack.get(attack.size() - 1).name() + " was accepted");
            assertTrue(r.stderr().contains("layer"), "unclear error: " + r.stderr());
            assertEquals(before, snapshot(canary), "the host changed after " + attack);
        }
        assertTrue(!berth.ok("images").contains("hostile"), "a refused image was registered");
    }
}
