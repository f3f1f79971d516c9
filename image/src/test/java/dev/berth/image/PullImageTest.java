package dev.berth.image;

import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.image.MediaTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

/** Pulls from a real docker-registry (skipped with a reason when it or skopeo is missing). */
class PullImageTest {
    private static final List<OciLayoutWriter.Entry> BASE = List.of(dir("etc", 0755), file("etc/os", "base\n"),
            dir("bin", 0755), file("bin/tool", "#!/bin/sh\n".getBytes(), 0755));
    private static final byte[] BIG = new byte[256 << 10];

    private static Path work;
    private static boolean createdPolicy;
    private static RegistryFixture registry;
    private static Path appLayout;

    @TempDir Path tmp;

    @BeforeAll
    static void startRegistry() throws Exception {
        String missing = RegistryFixture.missing();
        if (missing != null) {
            System.out.println("PullImageTest skipped: " + missing);
        }
        Assumptions.assumeTrue(missing == null, missing);
        createdPolicy = RegistryFixture.ensurePolicy();
        work = Files.createTempDirectory("berth-pull-test-");
        new Random(7).nextBytes(BIG);
        registry = new RegistryFixture(work.resolve("registry"), null);

        appLayout = work.resolve("app");
        OciLayoutWriter w = new OciLayoutWriter(appLayout);
        w.addLayer(BASE);
        w.addLayer(List.of(dir("lib", 0755), file("lib/big", BIG, 0644)));
        w.addLayer(List.of(file("etc/app", "v1\n")));
        w.writeImage(config("amd64"), "v1");
        registry.push(appLayout, "v1", "app:v1");
        registry.push(appLayout, "v1", "app:v2s2", "--format", "v2s2");

        Path shared = work.resolve("shared");
        OciLayoutWriter s = new OciLayoutWriter(shared);
        for (String n : List.of("a", "b")) {
            s.addLayer(BASE);
            s.addLayer(List.of(file("which", n)));
            s.writeImage(config("amd64"), n);
            registry.push(shared, n, "share-" + n + ":1");
        }

        Path multi = work.resolve("multi");
        OciLayoutWriter m = new OciLayoutWriter(multi);
        m.addLayer(List.of(file("arch", "amd64")));
        Descriptor amd = m.writeImage(config("amd64"), "amd");
        m.addLayer(List.of(file("arch", "arm64")));
        Descriptor arm = m.writeImage(config("arm64"), "arm");
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + entry(arm, "arm64") + "," + entry(amd, "amd64") + "]}";
        Descriptor inner = m.writeBlob("application/vnd.oci.image.index.v1+json", index.getBytes());
        Files.writeString(multi.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + inner.mediaType() + "\",\"digest\":\"" + inner.digest() + "\",\"size\":" + inner.size()
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}}]}");
        registry.push(multi, "multi", "multi:1", "--multi-arch", "all");
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) registry.close();
        if (work != null) TestSupport.deleteTree(work);
        if (createdPolicy) Files.deleteIfExists(Path.of(RegistryFixture.POLICY));
    }

    private static ImageConfig config(String arch) {
        ImageConfig c = TestSupport.config();
        return new ImageConfig(c.created(), c.author(), arch, "linux", null, c.config(), null, null);
    }

    private static String entry(Descriptor d, String arch) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size()
                + ",\"platform\":{\"architecture\":\"" + arch + "\",\"os\":\"linux\"}}";
    }

    private ImageStore store() {
        return new ImageStore(tmp.resolve("store"));
    }

    @Test
    void pullsOciImageByTagWithProgress() throws Exception {
        ImageStore store = store();
        ConcurrentLinkedQueue<PullProgress.Event> events = new ConcurrentLinkedQueue<>();
        String ref = registry.host() + "/app:v1";
        ImageRecord r = store.pull(ref, PullOptions.defaults(), events::add);
        assertEquals(List.of(ref), r.names());
        assertEquals(3, r.diffIds().size());
        List<Path> dirs = store.layerDirs(r);
        assertEquals("base\n", Files.readString(dirs.get(0).resolve("etc/os")));
        assertArrayEquals(BIG, Files.readAllBytes(dirs.get(1).resolve("lib/big")));
        assertEquals("v1\n", Files.readString(dirs.get(2).resolve("etc/app")));
        assertEquals(List.of("sh"), store.config(r).config().cmd());
        assertEquals(r.id(), store.resolve(ref).orElseThrow().id());
        assertEquals(PullProgress.Status.RESOLVED, events.peek().status());
        assertEquals(3, events.stream().filter(e -> e.status() == PullProgress.Status.EXTRACTED).count());
        PullProgress.Event lastBig = events.stream().filter(e -> e.status() == PullProgress.Status.DOWNLOADING
                && e.bytesTotal() > 100_000).reduce((a, b) -> b).orElseThrow();
        assertEquals(lastBig.bytesTotal(), lastBig.bytesDone());
        assertEquals(List.of(), TestSupport.list(store.root().resolve("tmp")));
    }

    @Test
    void pullsByDigestAndDockerSchema2() {
        ImageStore store = store();
        ImageRecord s2 = store.pull(registry.host() + "/app:v2s2", PullOptions.defaults(), null);
        String byDigest = registry.host() + "/app@" + s2.manifestDigest();
        ImageStore other = new ImageStore(tmp.resolve("other"));
        ImageRecord d = other.pull(byDigest, PullOptions.defaults(), null);
        assertEquals(s2.manifestDigest(), d.manifestDigest());
        assertEquals(s2.id(), d.id());
        assertEquals(d.id(), other.resolve(byDigest).orElseThrow().id());
        String manifest = new String(store.blobs().read(s2.manifestDigest(), 1 << 20, "test"));
        assertTrue(manifest.contains(MediaTypes.DOCKER_MANIFEST) && manifest.contains(MediaTypes.DOCKER_LAYER_GZIP), manifest);
        // The same config pulled as OCI is the same image: the name joins the record.
        ImageRecord oci = store.pull(registry.host() + "/app:v1", PullOptions.defaults(), null);
        assertEquals(oci.id(), s2.id());
        assertEquals(List.of(registry.host() + "/app:v2s2", registry.host() + "/app:v1"), store.list().get(0).names());

        BerthException wrong = assertThrows(BerthException.class, () -> other.pull(registry.host() + "/app@sha256:"
                + "0".repeat(64), PullOptions.defaults(), null));
        assertEquals(BerthException.Kind.NOT_FOUND, wrong.kind(), wrong.getMessage());
        assertTrue(wrong.getMessage().startsWith("pull " + registry.host() + "/app@sha256:000"), wrong.getMessage());
    }

    @Test
    void multiArchIndexChoosesPlatform() throws Exception {
        Assumptions.assumeTrue(ImageStore.hostPlatform().architecture().equals("amd64"), "not an amd64 host");
        ImageStore store = store();
        ImageRecord amd = store.pull(registry.host() + "/multi:1", PullOptions.defaults(), null);
        assertEquals("amd64", Files.readString(store.layerDirs(amd).get(0).resolve("arch")));
        ImageStore armStore = new ImageStore(tmp.resolve("arm"));
        ImageRecord arm = armStore.pull(registry.host() + "/multi:1", PullOptions.defaults().withPlatform("linux/arm64"), null);
        assertEquals("arm64", Files.readString(armStore.layerDirs(arm).get(0).resolve("arch")));
        BerthException none = assertThrows(BerthException.class, () -> armStore.pull(registry.host() + "/multi:1",
                PullOptions.defaults().withPlatform("linux/s390x"), null));
        assertEquals(BerthException.Kind.NOT_FOUND, none.kind());
        assertTrue(none.getMessage().contains("no manifest for linux/s390x"), none.getMessage());
    }

    @Test
    void dockerManifestListChoosesPlatform() throws Exception {
        Assumptions.assumeTrue(ImageStore.hostPlatform().architecture().equals("amd64"), "not an amd64 host");
        Path layout = tmp.resolve("list");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.addLayer(List.of(file("arch", "amd64")));
        w.writeImage(config("amd64"), "amd");
        w.addLayer(List.of(file("arch", "arm64")));
        w.writeImage(config("arm64"), "arm");
        registry.push(layout, "amd", "list:amd", "--format", "v2s2");
        registry.push(layout, "arm", "list:arm", "--format", "v2s2");
        Map<String, Digest> manifests = new java.util.HashMap<>();
        StringBuilder list = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST
                + "\",\"manifests\":[");
        for (String arch : List.of("arm64", "amd64")) {
            byte[] m = registry.manifest("list", arch.substring(0, 3), MediaTypes.DOCKER_MANIFEST);
            manifests.put(arch, Digest.sha256Of(m));
            list.append(arch.equals("arm64") ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.DOCKER_MANIFEST)
                    .append("\",\"digest\":\"").append(Digest.sha256Of(m)).append("\",\"size\":").append(m.length)
                    .append(",\"platform\":{\"architecture\":\"").append(arch).append("\",\"os\":\"linux\"")
                    .append(arch.equals("arm64") ? ",\"variant\":\"v8\"" : "").append("}}");
        }
        registry.putManifest("list", "1", MediaTypes.DOCKER_MANIFEST_LIST, list.append("]}").toString().getBytes());

        String ref = registry.host() + "/list:1";
        ImageStore store = store();
        ImageRecord amd = store.pull(ref, PullOptions.defaults(), null);
        assertEquals(manifests.get("amd64"), amd.manifestDigest());
        assertEquals("amd64", Files.readString(store.layerDirs(amd).get(0).resolve("arch")));
        assertEquals("amd64", store.config(amd).architecture());
        ImageStore armStore = new ImageStore(tmp.resolve("arm"));
        ImageRecord arm = armStore.pull(ref, PullOptions.defaults().withPlatform("linux/arm64"), null);
        assertEquals(manifests.get("arm64"), arm.manifestDigest());
        assertEquals("arm64", Files.readString(armStore.layerDirs(arm).get(0).resolve("arch")));
        assertEquals(List.of(ref), arm.names());
        BerthException variant = assertThrows(BerthException.class, () -> armStore.pull(ref,
                PullOptions.defaults().withPlatform("linux/arm64/v7"), null));
        assertEquals(BerthException.Kind.NOT_FOUND, variant.kind());
        assertTrue(variant.getMessage().contains("no manifest for linux/arm64/v7 in the image index (it has [linux/arm64/v8, "
                + "linux/amd64])"), variant.getMessage());
    }

    @Test
    void mirrorServesAnUnresolvableOriginAndBlockedIsRefused() throws Exception {
        RegistriesConfig cfg = RegistriesConfig.parse("""
                unqualified-search-registries = ["%s"]
                [[registry]]
                prefix = "origin.invalid"
                [[registry.mirror]]
                location = "%s"
                insecure = true
                [[registry]]
                location = "blocked.invalid"
                blocked = true
                """.formatted(registry.host(), registry.host()), "test");
        ImageStore store = store();
        ImageRecord r = store.pull("origin.invalid/app:v1", PullOptions.defaults().withRegistries(cfg), null);
        assertEquals(List.of("origin.invalid/app:v1"), r.names());
        ImageRecord shortName = store.pull("share-a:1", PullOptions.defaults().withRegistries(cfg), null);
        assertEquals(List.of(registry.host() + "/share-a:1"), shortName.names());
        BerthException blocked = assertThrows(BerthException.class,
                () -> store.pull("blocked.invalid/app:v1", PullOptions.defaults().withRegistries(cfg), null));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, blocked.kind());
        assertTrue(blocked.getMessage().contains("blocked"), blocked.getMessage());
        // Without the mirror the origin does not resolve: UNAVAILABLE naming the pull.
        BerthException gone = assertThrows(BerthException.class, () -> store.pull("origin.invalid/app:v2",
                PullOptions.defaults(), null));
        assertEquals(BerthException.Kind.UNAVAILABLE, gone.kind(), gone.getMessage());
        assertTrue(gone.getMessage().startsWith("pull origin.invalid/app:v2: "), gone.getMessage());
    }

    @Test
    void basicAuthAgainstHtpasswdRegistry() throws Exception {
        Assumptions.assumeTrue(RegistryFixture.onPath("htpasswd"), "htpasswd (apache2-utils) missing: skipped");
        Process p = new ProcessBuilder("htpasswd", "-Bbn", "berth", "s3cret").start();
        String line = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor());
        try (RegistryFixture auth = new RegistryFixture(tmp.resolve("authreg"), line)) {
            auth.push(appLayout, "v1", "app:v1", "--dest-creds", "berth:s3cret");
            String ref = auth.host() + "/app:v1";
            ImageStore store = store();
            BerthException anon = assertThrows(BerthException.class, () -> store.pull(ref, PullOptions.defaults(), null));
            assertTrue(anon.getMessage().startsWith("pull " + ref + ": authentication failed: 401"), anon.getMessage());
            BerthException wrong = assertThrows(BerthException.class, () -> store.pull(ref,
                    PullOptions.defaults().withCredentials(RegistryCredentials.basic("berth", "nope")), null));
            assertEquals(BerthException.Kind.FAILED_PRECONDITION, wrong.kind());
            assertTrue(wrong.getMessage().startsWith("pull " + ref + ": authentication failed: 401"), wrong.getMessage());
            assertTrue(store.list().isEmpty());
            ImageRecord r = store.pull(ref, PullOptions.defaults().withCredentials(
                    RegistryCredentials.fromAuth(java.util.Base64.getEncoder().encodeToString("berth:s3cret".getBytes()))), null);
            assertEquals(3, store.layerDirs(r).size());

            // Login: the /v2/ check; then a pull without credentials finds the stored ones by host.
            dev.berth.image.registry.RegistryTransport transport = new dev.berth.image.registry.RegistryTransport();
            dev.berth.image.registry.RegistryEndpoint endpoint = RegistriesConfig.defaults().endpoint(auth.host());
            BerthException refused = assertThrows(BerthException.class, () -> new dev.berth.image.registry.RegistryClient(
                    transport, endpoint, "", RegistryCredentials.basic("berth", "nope"), "login to " + auth.host()).checkAuth());
            assertEquals(BerthException.Kind.FAILED_PRECONDITION, refused.kind());
            assertTrue(refused.getMessage().startsWith("login to " + auth.host() + ": authentication failed: 401"),
                    refused.getMessage());
            new dev.berth.image.registry.RegistryClient(transport, endpoint, "", RegistryCredentials.basic("berth", "s3cret"),
                    "login to " + auth.host()).checkAuth();
            ImageStore other = new ImageStore(tmp.resolve("stored-creds"));
            ImageRecord again = other.pull(ref, PullOptions.defaults().withStoredCredentials(
                    host -> host.equals(auth.host()) ? RegistryCredentials.basic("berth", "s3cret") : null), null);
            assertEquals(r.id(), again.id());
        }
    }

    @Test
    void bearerTokenIsFetchedOnceAndCached() {
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            proxy.tokenUser = "berth";
            proxy.tokenPassword = "pw";
            ImageStore store = store();
            PullOptions good = PullOptions.defaults().withCredentials(RegistryCredentials.basic("berth", "pw"));
            store.pull(proxy.host() + "/app:v1", good, null);
            store.pull(proxy.host() + "/app:v2s2", good, null);
            assertEquals(1, proxy.tokensIssued.get());
            BerthException wrong = assertThrows(BerthException.class, () -> new ImageStore(tmp.resolve("s2")).pull(
                    proxy.host() + "/app:v1", PullOptions.defaults().withCredentials(RegistryCredentials.basic("berth", "bad")), null));
            assertTrue(wrong.getMessage().startsWith("pull " + proxy.host() + "/app:v1: authentication failed: 401 from token endpoint"),
                    wrong.getMessage());
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void identityTokenIsExchangedByARefreshGrantAndARegistryTokenIsSentAsIs() throws Exception {
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            proxy.refreshToken = "refresh-1";
            String ref = proxy.host() + "/app:v1";
            ImageStore store = store();
            ImageRecord r = store.pull(ref, PullOptions.defaults().withCredentials(
                    new RegistryCredentials(null, null, "refresh-1", null)), null);
            assertEquals(3, store.layerDirs(r).size());
            assertEquals(1, proxy.tokensIssued.get());
            assertEquals("refresh_token", proxy.lastTokenForm.get("grant_type"));
            assertEquals("refresh-1", proxy.lastTokenForm.get("refresh_token"));
            assertEquals("berth-test", proxy.lastTokenForm.get("service"));
            assertEquals("repository:app:pull", proxy.lastTokenForm.get("scope"));
            assertEquals("berth", proxy.lastTokenForm.get("client_id"));

            BerthException refused = assertThrows(BerthException.class, () -> new ImageStore(tmp.resolve("s2")).pull(ref,
                    PullOptions.defaults().withCredentials(new RegistryCredentials("someone", null, "stale", null)), null));
            assertEquals(BerthException.Kind.FAILED_PRECONDITION, refused.kind(), refused.getMessage());
            assertTrue(refused.getMessage().startsWith("pull " + ref + ": authentication failed: 400 from token endpoint http://"
                    + proxy.host() + "/token: {\"error\":\"invalid_grant\"}"), refused.getMessage());

            // A registry token goes to the registry as the bearer token: the token endpoint is not asked.
            long tokenRequests = proxy.requests.stream().filter("/token"::equals).count();
            ImageStore third = new ImageStore(tmp.resolve("s3"));
            ImageRecord direct = third.pull(ref, PullOptions.defaults().withCredentials(
                    new RegistryCredentials(null, null, null, "tok-from-kubelet")), null);
            assertEquals(r.id(), direct.id());
            assertEquals(tokenRequests, proxy.requests.stream().filter("/token"::equals).count());
            BerthException rejected = assertThrows(BerthException.class, () -> third.pull(proxy.host() + "/app:v2s2",
                    PullOptions.defaults().withCredentials(new RegistryCredentials(null, null, null, "forged")), null));
            assertEquals(BerthException.Kind.FAILED_PRECONDITION, rejected.kind());
            assertTrue(rejected.getMessage().startsWith("pull " + proxy.host() + "/app:v2s2: authentication failed: 401")
                    && rejected.getMessage().endsWith("(registry token rejected)"), rejected.getMessage());
            assertEquals(1, third.list().size());
        }
    }

    @Test
    void corruptedBlobFailsAndLeavesNoTrace() throws Exception {
        ImageStore store = store();
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            proxy.corruptBlobs = true;
            BerthException e = assertThrows(BerthException.class,
                    () -> store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
            assertNoTrace(store);
            proxy.corruptBlobs = false;
            ImageRecord r = store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            assertEquals(3, store.layerDirs(r).size());
        }
    }

    /**
     * A layer is unpacked while it downloads: a blob that is another valid layer unpacks whole before its
     * size is found wrong, and still never enters the layer store nor stays in tmp/.
     */
    @Test
    void aLayerBlobReplacedByAnotherValidLayerNeverReachesTheStore() throws Exception {
        ImageStore reference = new ImageStore(tmp.resolve("reference"));
        List<Digest> blobs = reference.blobsOf(reference.pull(registry.host() + "/app:v1", PullOptions.defaults(), null));
        String big = blobs.get(3).hex();
        String small = blobs.get(4).hex();
        Map<String, Long> unpackedBytes = new ConcurrentHashMap<>();
        LayerUnpacker measuring = new LayerUnpacker() {
            @Override
            public Result unpack(InputStream layer, Path target, String what) {
                java.io.FilterInputStream counted = new java.io.FilterInputStream(layer) {
                    @Override
                    public int read(byte[] b, int off, int len) throws java.io.IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) unpackedBytes.merge(what, (long) n, Long::sum);
                        return n;
                    }
                };
                return super.unpack(counted, target, what);
            }
        };
        ImageStore store = new ImageStore(tmp.resolve("store"), measuring);
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            proxy.blobSubstitutes = Map.of(big, small);
            BerthException e = assertThrows(BerthException.class,
                    () -> store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("blob sha256:" + big + " has "), e.getMessage());
            // The unpacker read all of the substitute before the download failed: it only then ended.
            assertEquals(Files.size(reference.root().resolve("blobs/sha256/" + small)),
                    unpackedBytes.get(blobs.get(3).toString()), unpackedBytes.toString());
            assertNoTrace(store);
            proxy.blobSubstitutes = Map.of();
            assertEquals(3, store.layerDirs(store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null)).size());
        }
    }

    @Test
    void concurrentPullsShareLayersAndPresentBlobsAreNotFetched() throws Exception {
        Map<String, AtomicInteger> unpacks = new ConcurrentHashMap<>();
        LayerUnpacker counting = new LayerUnpacker() {
            @Override
            public Result unpack(InputStream layer, Path target, String what) {
                unpacks.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
                return super.unpack(layer, target, what);
            }
        };
        ImageStore store = new ImageStore(tmp.resolve("store"), counting);
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<ImageRecord>> fs = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    String name = proxy.host() + "/share-" + (i % 2 == 0 ? "a" : "b") + ":1";
                    fs.add(pool.submit(() -> store.pull(name, PullOptions.defaults(), null)));
                }
                for (Future<ImageRecord> f : fs) f.get();
            } finally {
                pool.shutdownNow();
            }
            assertEquals(2, store.list().size());
            // base + a + b, each unpacked exactly once, each blob fetched once.
            assertEquals(3, unpacks.size(), unpacks.toString());
            unpacks.forEach((k, v) -> assertEquals(1, v.get(), k));
            ImageRecord a = store.resolve(proxy.host() + "/share-a:1").orElseThrow();
            Digest base = store.blobsOf(a).get(2);
            assertEquals(1, proxy.blobRequests(base.hex()));
            // The app image shares the base layer: pulling it does not fetch that blob again.
            store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            assertEquals(1, proxy.blobRequests(base.hex()));
            assertEquals(5, unpacks.size(), "base shared; the big and app layers are new");
        }
    }

    private static void assertNoTrace(ImageStore store) {
        assertTrue(store.list().isEmpty());
        assertEquals(List.of(), TestSupport.list(store.root().resolve("layers")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("l")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("tmp")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("blobs/sha256")));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("partial")));
    }
}
