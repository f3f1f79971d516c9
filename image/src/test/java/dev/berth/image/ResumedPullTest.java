package dev.berth.image;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A blob download cut off, by the connection or by a crash, resumes with a Range request from the bytes
 * already written, or starts over cleanly when the registry ignores Range; the result always verifies.
 * Against a real docker-registry behind an in-test proxy (skipped with a reason without one).
 */
class ResumedPullTest {
    private static final byte[] BIG = new byte[1 << 20];

    private static Path work;
    private static boolean createdPolicy;
    private static RegistryFixture registry;
    /** The big layer's blob as the registry serves it. */
    private static byte[] bigBlob;
    private static String bigHex;

    @TempDir Path tmp;

    @BeforeAll
    static void startRegistry() throws Exception {
        String missing = RegistryFixture.missing();
        if (missing != null) {
            System.out.println("ResumedPullTest skipped: " + missing);
        }
        Assumptions.assumeTrue(missing == null, missing);
        createdPolicy = RegistryFixture.ensurePolicy();
        work = Files.createTempDirectory("berth-resume-test-");
        new Random(11).nextBytes(BIG);
        registry = new RegistryFixture(work.resolve("registry"), null);
        Path layout = work.resolve("app");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.addLayer(List.of(dir("etc", 0755), file("etc/os", "base\n")));
        OciLayoutWriter.Layer big = w.addLayer(List.of(file("big", BIG, 0644)));
        w.writeImage(TestSupport.config(), "v1");
        registry.push(layout, "v1", "app:v1");
        bigHex = big.descriptor().digest().hex();
        bigBlob = Files.readAllBytes(layout.resolve("blobs/sha256/" + bigHex));
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) registry.close();
        if (work != null) TestSupport.deleteTree(work);
        if (createdPolicy) Files.deleteIfExists(Path.of(RegistryFixture.POLICY));
    }

    private static List<String> bigRanges(RegistryProxy proxy) {
        return proxy.blobRanges.stream().filter(r -> r.startsWith(bigHex + " "))
                .map(r -> r.substring(bigHex.length() + 1)).toList();
    }

    private static void assertPulledWhole(ImageStore store, ImageRecord r) throws Exception {
        assertArrayEquals(BIG, Files.readAllBytes(store.layerDirs(r).get(1).resolve("big")));
        assertArrayEquals(bigBlob, Files.readAllBytes(store.root().resolve("blobs/sha256/" + bigHex)));
        assertEquals(List.of(), TestSupport.list(store.root().resolve("partial")));
    }

    /** The first bytes of the big blob, as a cut-off download leaves them. */
    private static void writePartial(ImageStore store, byte[] content) throws Exception {
        Files.write(store.root().resolve("partial/" + bigHex), content);
    }

    @Test
    void connectionCutMidBlobResumesWithRange() throws Exception {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            proxy.cutsLeft.set(1);
            ImageRecord r = store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            List<String> ranges = bigRanges(proxy);
            assertEquals(2, ranges.size(), ranges.toString());
            assertEquals("-", ranges.get(0));
            long resumedAt = Long.parseLong(ranges.get(1).replaceAll("^bytes=(\\d+)-$", "$1"));
            assertTrue(resumedAt > 0 && resumedAt <= bigBlob.length / 2, ranges.toString());
            assertPulledWhole(store, r);
        }
    }

    @Test
    void registryIgnoringRangeRestartsFromTheStart() throws Exception {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            proxy.cutsLeft.set(1);
            proxy.ignoreRange = true;
            ImageRecord r = store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            List<String> ranges = bigRanges(proxy);
            assertEquals(2, ranges.size(), ranges.toString());
            assertTrue(ranges.get(1).startsWith("bytes="), "the second attempt asked for a range: " + ranges);
            assertPulledWhole(store, r);
        }
    }

    @Test
    void partialLeftByACrashIsResumedAfterTheStoreReopens() throws Exception {
        Path root = tmp.resolve("store");
        writePartial(new ImageStore(root), Arrays.copyOf(bigBlob, 300_000));
        // Reopening (berthd's start after a kill -9) sweeps unreferenced blobs but keeps partial downloads.
        ImageStore reopened = new ImageStore(root);
        assertEquals(List.of(bigHex), TestSupport.list(root.resolve("partial")));
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            ImageRecord r = reopened.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            assertEquals(List.of("bytes=300000-"), bigRanges(proxy));
            assertPulledWhole(reopened, r);
        }
    }

    @Test
    void aPartialThatDoesNotVerifyIsDownloadedAgainOnce() throws Exception {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        byte[] torn = Arrays.copyOf(bigBlob, 300_000);
        Arrays.fill(torn, 200_000, 300_000, (byte) 0);
        writePartial(store, torn);
        try (RegistryProxy proxy = new RegistryProxy(registry.host())) {
            ImageRecord r = store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            assertEquals(List.of("bytes=300000-", "-"), bigRanges(proxy));
            assertPulledWhole(store, r);
        }
    }

    @Test
    void registryGoneForGoodKeepsThePartialForTheNextPullAndPruneDeletesIt() throws Exception {
        Path root = tmp.resolve("store");
        ImageStore store = new ImageStore(root);
        try (RegistryFixture doomed = new RegistryFixture(tmp.resolve("doomed"), null);
             RegistryProxy proxy = new RegistryProxy(doomed.host())) {
            doomed.push(work.resolve("app"), "v1", "app:v1");
            proxy.breakMidBlob = () -> {
                try {
                    doomed.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            BerthException e = assertThrows(BerthException.class,
                    () -> store.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null));
            assertEquals(BerthException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().startsWith("pull " + proxy.host() + "/app:v1: "), e.getMessage());
            assertEquals(PullImage.MAX_BLOB_ATTEMPTS, bigRanges(proxy).size(), bigRanges(proxy).toString());
            assertTrue(store.list().isEmpty());
            assertEquals(List.of(), TestSupport.list(root.resolve("layers")));
            assertEquals(List.of(), TestSupport.list(root.resolve("blobs/sha256")));
            assertEquals(List.of(bigHex), TestSupport.list(root.resolve("partial")));
            long kept = Files.size(root.resolve("partial/" + bigHex));
            assertTrue(kept > 0 && kept < bigBlob.length, "kept " + kept);

            proxy.breakMidBlob = null;
            doomed.start();
            proxy.blobRanges.clear();
            ImageStore restarted = new ImageStore(root);
            ImageRecord r = restarted.pull(proxy.host() + "/app:v1", PullOptions.defaults(), null);
            assertEquals(List.of("bytes=" + kept + "-"), bigRanges(proxy));
            assertPulledWhole(restarted, r);

            writePartial(restarted, Arrays.copyOf(bigBlob, 1000));
            ImageStore.PruneResult pruned = restarted.prune(true, id -> false);
            assertEquals(List.of(r.id()), pruned.removed());
            assertEquals(List.of(), TestSupport.list(root.resolve("partial")));
            assertEquals(List.of(), TestSupport.list(root.resolve("blobs/sha256")));
        }
    }
}
