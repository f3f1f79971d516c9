package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.ImageConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

class ImageStoreTest {
    @TempDir Path tmp;

    private static final List<OciLayoutWriter.Entry> BASE = List.of(dir("etc", 0755), file("etc/os", "base\n"),
            dir("bin", 0755), file("bin/tool", "#!/bin/sh\n".getBytes(), 04755), symlink("bin/sh", "/bin/tool"));

    @Test
    void aDamagedLayerSizeFileIsCountedAgainNotReadAsZero() throws IOException {
        Path layout = TestSupport.layout(tmp.resolve("app"), "v1", BASE, List.of(file("etc/app", "two\n")));
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = store.importImage(layout, Optional.empty());
        Digest base = r.diffIds().get(0);
        Path sizeFile = store.layers().dir(base).resolve("size");
        assertTrue(Files.exists(sizeFile), sizeFile.toString());
        for (String damage : new String[] {"", "garbage", "12x"}) {
            Files.writeString(sizeFile, damage);
            long counted = store.layers().size(base);
            assertEquals("base\n".length() + "#!/bin/sh\n".length(), counted, "after '" + damage + "'");
            assertEquals(Long.toString(counted), Files.readString(sizeFile), "not written back");
        }
        Files.delete(sizeFile);
        assertTrue(store.layers().size(base) > 0);
    }

    @Test
    void importsLayoutAndReadsConfigAndLayers() throws IOException {
        Path layout = TestSupport.layout(tmp.resolve("app"), "v1", BASE, List.of(file("etc/app", "two\n")));
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = store.importImage(layout, Optional.empty());
        // A bare-tag ref name takes the layout dir's name.
        assertEquals(List.of("localhost/app:v1"), r.names());
        assertEquals("sha256:" + r.configDigest().hex(), r.id());
        assertEquals(2, r.diffIds().size());
        assertTrue(r.size() > 0);
        ImageConfig c = store.config(r);
        assertEquals(List.of("sh"), c.config().cmd());
        List<Path> dirs = store.layerDirs(r);
        assertEquals("base\n", Files.readString(dirs.get(0).resolve("etc/os")));
        assertEquals("two\n", Files.readString(dirs.get(1).resolve("etc/app")));
        assertEquals(Path.of("/bin/tool"), Files.readSymbolicLink(dirs.get(0).resolve("bin/sh")));
        // setuid survives (chmod after chown), and short link names stay short.
        assertEquals(04755, (Integer) Files.getAttribute(dirs.get(0).resolve("bin/tool"), "unix:mode") & 07777);
        assertTrue(dirs.get(0).getFileName().toString().length() <= 10);
        assertTrue(Files.isRegularFile(store.root().resolve("blobs/sha256/" + r.manifestDigest().hex())));

        // Reopening the store reads images.json back.
        ImageStore again = new ImageStore(tmp.resolve("store"));
        assertEquals(store.list(), again.list());
        assertEquals(r.id(), again.resolve("app:v1").orElseThrow().id());
    }

    @Test
    void importsOciArchiveWithGivenName() {
        Path layout = TestSupport.layout(tmp.resolve("layout"), "latest", BASE);
        Path archive = tmp.resolve("img.tar");
        OciLayoutWriter.archive(layout, archive);
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = store.importImage(archive, Optional.of("quay.io/me/img:2"));
        assertEquals(List.of("quay.io/me/img:2"), r.names());
        assertEquals("base\n", read(store.layerDirs(r).get(0).resolve("etc/os")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("tmp")), "archive extraction cleaned up");
    }

    @Test
    void importsUmociLayout() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/umoci")), "umoci is not installed: skipped");
        Assumptions.assumeTrue(TestSupport.isRoot(), "umoci unpack needs root: skipped");
        Path layout = tmp.resolve("umoci");
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", layout + ":latest");
        Path bundle = tmp.resolve("bundle");
        run("umoci", "unpack", "--image", layout + ":latest", bundle.toString());
        Files.createDirectories(bundle.resolve("rootfs/etc"));
        Files.writeString(bundle.resolve("rootfs/etc/hello"), "from umoci\n");
        run("umoci", "repack", "--image", layout + ":latest", bundle.toString());
        run("umoci", "config", "--image", layout + ":latest", "--config.cmd", "sh");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = store.importImage(layout, Optional.of("umoci-made"));
        assertEquals(List.of("localhost/umoci-made:latest"), r.names());
        List<Path> dirs = store.layerDirs(r);
        assertEquals("from umoci\n", Files.readString(dirs.get(dirs.size() - 1).resolve("etc/hello")));
        assertEquals(List.of("sh"), store.config(r).config().cmd());
    }

    @Test
    void resolveRules() {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord a = store.importImage(TestSupport.layout(tmp.resolve("a"), "latest", BASE), Optional.of("busybox"));
        ImageRecord b = store.importImage(TestSupport.layout(tmp.resolve("b"), "latest", List.of(file("b", "b"))),
                Optional.of("docker.io/library/busybox:1.0"));
        assertEquals(a.id(), store.resolve("busybox").orElseThrow().id());
        assertEquals(a.id(), store.resolve("localhost/busybox:latest").orElseThrow().id());
        assertEquals(a.id(), store.resolve("busybox:latest").orElseThrow().id());
        // docker.io is the second candidate for a short name.
        assertEquals(b.id(), store.resolve("busybox:1.0").orElseThrow().id());
        assertEquals(b.id(), store.resolve("docker.io/busybox:1.0").orElseThrow().id());
        assertEquals(a.id(), store.resolve(a.id()).orElseThrow().id());
        assertEquals(a.id(), store.resolve(a.configDigest().hex()).orElseThrow().id());
        assertEquals(a.id(), store.resolve(a.configDigest().hex().substring(0, 12)).orElseThrow().id());
        assertEquals(a.id(), store.resolve("busybox@" + a.manifestDigest()).orElseThrow().id());
        assertTrue(store.resolve("nothere").isEmpty());
        assertTrue(store.resolve("busybox:2").isEmpty());
        assertEquals(BerthException.Kind.INVALID_ARGUMENT,
                assertThrows(BerthException.class, () -> store.resolve("Bad Name")).kind());
        assertEquals(BerthException.Kind.INVALID_ARGUMENT,
                assertThrows(BerthException.class, () -> store.resolve("sha256:zz")).kind());
    }

    @Test
    void ambiguousIdPrefixIsRefused() {
        // Find two layerless configs whose digests share the first 3 hex digits (birthday: ~100 tries).
        java.util.Map<String, ImageConfig> byPrefix = new java.util.HashMap<>();
        ImageConfig first = null, second = null;
        for (int i = 0; second == null; i++) {
            ImageConfig c = new ImageConfig(null, null, "amd64", "linux", null,
                    new ImageConfig.Config(null, null, List.of("N=" + i), null, null, null, null, null, null),
                    new ImageConfig.RootFs("layers", List.of()), null);
            String prefix = Digest.sha256Of(dev.berth.oci.json.OciJson.toBytes(c)).hex().substring(0, 3);
            ImageConfig old = byPrefix.putIfAbsent(prefix, c);
            if (old != null) {
                first = old;
                second = c;
            }
        }
        Path layout = tmp.resolve("pair");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.writeImage(first, "first");
        w.writeImage(second, "second");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord a = store.importImage(layout, Optional.of("x:first"));
        ImageRecord b = store.importImage(layout, Optional.of("x:second"));
        String three = a.configDigest().hex().substring(0, 3);
        assertEquals(three, b.configDigest().hex().substring(0, 3));
        BerthException e = assertThrows(BerthException.class, () -> store.resolve(three));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
        // A longer prefix that differs is unambiguous again.
        String longer = a.configDigest().hex().substring(0, 20);
        assertEquals(a.id(), store.resolve(longer).orElseThrow().id());
        // Two digits are too short for an id: only a name lookup, which finds nothing.
        assertTrue(store.resolve(three.substring(0, 2)).isEmpty());
    }

    @Test
    void removeKeepsSharedLayersAndNames() throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord one = store.importImage(TestSupport.layout(tmp.resolve("one"), "latest", BASE, List.of(file("x", "1"))),
                Optional.of("one"));
        ImageRecord two = store.importImage(TestSupport.layout(tmp.resolve("two"), "latest", BASE, List.of(file("x", "2"))),
                Optional.of("two"));
        assertEquals(one.diffIds().get(0), two.diffIds().get(0), "shared base layer");
        Path base = store.layerDirs(one).get(0).toRealPath();
        Path oneTop = store.layerDirs(one).get(1).toRealPath();

        store.tag("one", "one-alias:v");
        assertEquals(List.of("localhost/one:latest", "localhost/one-alias:v"), store.resolve("one").orElseThrow().names());
        store.remove("one");
        assertEquals(List.of("localhost/one-alias:v"), store.resolve(one.id()).orElseThrow().names(), "only the name went");
        assertTrue(Files.isDirectory(oneTop));

        store.remove("one-alias:v");
        assertTrue(store.resolve(one.id()).isEmpty());
        assertFalse(Files.exists(oneTop), "unshared layer deleted");
        assertFalse(Files.exists(store.root().resolve("blobs/sha256/" + one.configDigest().hex())));
        assertTrue(Files.isDirectory(base), "shared layer kept");
        assertEquals("base\n", Files.readString(store.layerDirs(two).get(0).resolve("etc/os")));
        assertEquals(1, store.list().size());
        assertEquals(BerthException.Kind.NOT_FOUND, assertThrows(BerthException.class, () -> store.remove("one")).kind());

        store.remove(two.id());
        assertTrue(store.list().isEmpty());
        assertEquals(List.of(), TestSupport.list(store.root().resolve("layers")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("l")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("blobs/sha256")));
    }

    @Test
    void tagMovesNameBetweenImages() {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord a = store.importImage(TestSupport.layout(tmp.resolve("a"), "latest", BASE), Optional.of("app:1"));
        ImageRecord b = store.importImage(TestSupport.layout(tmp.resolve("b"), "latest", List.of(file("b", "b"))),
                Optional.of("app:2"));
        store.tag(b.id(), "app:1");
        assertEquals(b.id(), store.resolve("app:1").orElseThrow().id());
        assertEquals(List.of(), store.resolve(a.id()).orElseThrow().names(), "a keeps existing, by id only");
        assertEquals(BerthException.Kind.INVALID_ARGUMENT,
                assertThrows(BerthException.class, () -> store.tag(a.id(), "UPPER")).kind());
    }

    @Test
    void blobDigestMismatchIsRefused() throws IOException {
        Path layout = tmp.resolve("bad");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        OciLayoutWriter.Layer l = w.addLayer(BASE);
        w.writeImage(TestSupport.config(), "latest");
        // Same size, different bytes.
        byte[] blob = Files.readAllBytes(w.blobPath(l.descriptor().digest()));
        blob[blob.length - 5] ^= 0x55;
        Files.write(w.blobPath(l.descriptor().digest()), blob);
        ImageStore store = new ImageStore(tmp.resolve("store"));
        BerthException e = assertThrows(BerthException.class, () -> store.importImage(layout, Optional.empty()));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
        assertNothingRegistered(store);
    }

    @Test
    void diffIdMismatchIsRefused() {
        Path layout = tmp.resolve("bad");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.addLayer(BASE);
        ImageConfig c = TestSupport.config();
        Digest wrong = Digest.sha256Of(new byte[] {1});
        w.writeImage(new ImageConfig(null, null, "amd64", "linux", null, c.config(), new ImageConfig.RootFs(List.of(wrong)),
                null), "latest");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        BerthException e = assertThrows(BerthException.class, () -> store.importImage(layout, Optional.empty()));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("diff_id mismatch"), e.getMessage());
        assertNothingRegistered(store);
    }

    @Test
    void concurrentImportsShareOneUnpack() throws Exception {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        List<Path> layouts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            layouts.add(TestSupport.layout(tmp.resolve("c" + i), "latest", BASE, List.of(file("n", "" + i))));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<ImageRecord>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int n = i;
                fs.add(pool.submit(() -> store.importImage(layouts.get(n), Optional.of("c" + n))));
            }
            for (Future<ImageRecord> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(6, store.list().size());
        // 1 shared base + 6 tops, and exactly one short link per layer.
        assertEquals(7, TestSupport.list(store.root().resolve("layers")).size());
        assertEquals(7, TestSupport.list(store.root().resolve("l")).size());
        assertEquals(List.of(), TestSupport.list(store.root().resolve("tmp")));
    }

    @Test
    void chooseManifestByRefNameOrPlatform() {
        Path layout = tmp.resolve("multi");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.addLayer(List.of(file("which", "one")));
        w.writeImage(TestSupport.config(), "one");
        w.addLayer(List.of(file("which", "two")));
        w.writeImage(TestSupport.config(), "two");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        BerthException e = assertThrows(BerthException.class, () -> store.importImage(layout, Optional.empty()));
        assertTrue(e.getMessage().contains("[one, two]"), e.getMessage());
        ImageRecord two = store.importImage(layout, Optional.of("pick:two"));
        assertEquals("two", read(store.layerDirs(two).get(0).resolve("which")));
    }

    @Test
    void nestedIndexChoosesHostPlatform() throws IOException {
        Path layout = tmp.resolve("nested");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.addLayer(List.of(file("arch", "amd64")));
        var amd = w.writeImage(TestSupport.config(), "amd");
        w.addLayer(List.of(file("arch", "arm64")));
        var arm = w.writeImage(TestSupport.config(), "arm");
        String platformIndex = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"" + arm.mediaType() + "\",\"digest\":\"" + arm.digest() + "\",\"size\":" + arm.size()
                + ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"" + amd.mediaType() + "\",\"digest\":\"" + amd.digest() + "\",\"size\":" + amd.size()
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        var inner = w.writeBlob("application/vnd.oci.image.index.v1+json", platformIndex.getBytes());
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + inner.mediaType() + "\",\"digest\":\"" + inner.digest() + "\",\"size\":" + inner.size()
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"docker.io/library/multi:1\"}}]}");
        Assumptions.assumeTrue(ImageStore.hostPlatform().architecture().equals("amd64"), "not an amd64 host");
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = store.importImage(layout, Optional.empty());
        assertEquals(List.of("docker.io/library/multi:1"), r.names());
        assertEquals("amd64", read(store.layerDirs(r).get(0).resolve("arch")));
    }

    private static void assertNothingRegistered(ImageStore store) {
        assertTrue(store.list().isEmpty());
        assertEquals(List.of(), TestSupport.list(store.root().resolve("layers")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("l")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("tmp")));
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }
}
