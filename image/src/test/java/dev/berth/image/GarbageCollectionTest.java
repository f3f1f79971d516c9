package dev.berth.image;

import dev.berth.oci.spec.image.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

/** After rmi and prune the store holds exactly the blobs and layers its images still reference. */
class GarbageCollectionTest {
    private static final List<OciLayoutWriter.Entry> BASE = List.of(dir("etc", 0755), file("etc/os", "base\n"));

    @TempDir Path tmp;

    private ImageRecord importImage(ImageStore store, String dir, String top, Optional<String> name) {
        return store.importImage(TestSupport.layout(tmp.resolve(dir), "latest", BASE, List.of(file("top", top))), name);
    }

    /** Exactly what the records reference: every blob of every manifest, every diff id; and one l/ link per layer. */
    private static void assertStoreHoldsExactlyWhatImagesReference(ImageStore store) {
        Set<String> wantBlobs = new TreeSet<>();
        Set<String> wantLayers = new TreeSet<>();
        for (ImageRecord r : store.list()) {
            store.blobsOf(r).forEach(d -> wantBlobs.add(d.hex()));
            r.diffIds().forEach(d -> wantLayers.add(d.hex()));
        }
        assertEquals(wantBlobs, new TreeSet<>(TestSupport.list(store.root().resolve("blobs/sha256"))), "blobs");
        assertEquals(wantLayers, new TreeSet<>(TestSupport.list(store.root().resolve("layers"))), "layers");
        assertEquals(wantLayers.size(), TestSupport.list(store.root().resolve("l")).size(), "layer links");
    }

    @Test
    void removeDeletesWhatNoImageReferencesAndKeepsASharedLayer() throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord a = importImage(store, "a", "a", Optional.of("a:1"));
        ImageRecord b = importImage(store, "b", "b", Optional.of("b:1"));
        Digest shared = a.diffIds().get(0);
        assertEquals(shared, b.diffIds().get(0));

        store.remove("a:1");
        assertStoreHoldsExactlyWhatImagesReference(store);
        assertEquals("base\n", Files.readString(store.layerDirs(b).get(0).resolve("etc/os")), "the shared layer survives");
        assertFalse(Files.exists(store.root().resolve("layers/" + a.diffIds().get(1).hex())));

        store.remove("b:1");
        assertStoreHoldsExactlyWhatImagesReference(store);
        assertEquals(List.of(), TestSupport.list(store.root().resolve("blobs/sha256")));
    }

    @Test
    void removeCollectsLeftoversOfACrashToo() throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        importImage(store, "a", "a", Optional.of("a:1"));
        importImage(store, "b", "b", Optional.of("b:1"));
        // What a kill -9 between storing a blob and registering its image leaves.
        String orphan = Digest.sha256Of("orphan".getBytes()).hex();
        Files.writeString(store.root().resolve("blobs/sha256/" + orphan), "orphan");

        store.remove("a:1");
        assertStoreHoldsExactlyWhatImagesReference(store);
    }

    @Test
    void anImageAContainerUsesOnlyLosesItsName() throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord a = importImage(store, "a", "a", Optional.of("a:1"));
        store.remove("a:1", id -> id.equals(a.id()));
        assertEquals(List.of(), store.resolve(a.id()).orElseThrow().names(), "kept, unnamed");
        assertEquals("a", Files.readString(store.layerDirs(a).get(1).resolve("top")));
        assertStoreHoldsExactlyWhatImagesReference(store);
    }

    @Test
    void pruneRemovesDanglingImagesOrAllUnusedOnes() throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord dangling = importImage(store, "d", "d", Optional.of("d:1"));
        store.tag(importImage(store, "n", "n", Optional.of("n:1")).id(), "d:1"); // d loses its name
        ImageRecord named = store.resolve("d:1").orElseThrow();
        ImageRecord used = importImage(store, "u", "u", Optional.of("u:1"));
        ImageRecord usedDangling = importImage(store, "ud", "ud", Optional.empty());
        assertEquals(List.of(), store.resolve(dangling.id()).orElseThrow().names());
        Set<String> inUse = Set.of(used.id(), usedDangling.id());

        ImageStore.PruneResult dry = store.prune(false, inUse::contains);
        assertEquals(List.of(dangling.id()), dry.removed());
        assertTrue(dry.reclaimed() > 0, "the dangling image's own layer and blobs are freed");
        assertStoreHoldsExactlyWhatImagesReference(store);
        assertTrue(Files.isDirectory(store.layerDirs(named).get(0)), "the shared base layer stays");

        ImageStore.PruneResult all = store.prune(true, inUse::contains);
        assertEquals(List.of(named.id()), all.removed());
        assertEquals(Set.of(used.id(), usedDangling.id()),
                Set.copyOf(store.list().stream().map(ImageRecord::id).toList()));
        assertStoreHoldsExactlyWhatImagesReference(store);

        ImageStore.PruneResult nothing = store.prune(true, inUse::contains);
        assertEquals(new ImageStore.PruneResult(List.of(), 0), nothing);
        assertEquals(2, new ImageStore(tmp.resolve("store")).list().size(), "the records were saved");
    }
}
