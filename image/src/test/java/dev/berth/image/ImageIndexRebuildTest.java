package dev.berth.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

/** An unreadable images.json costs the names, never an image, a blob or a layer. */
class ImageIndexRebuildTest {
    private static final List<OciLayoutWriter.Entry> BASE = List.of(dir("etc", 0755), file("etc/os", "base\n"));

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"truncated", "empty", "garbage", "wrong-version", "record-without-digest"})
    void anUnreadableIndexIsRebuiltFromTheBlobsWithEveryImageAndItsLayers(String fault) throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord a = store.importImage(TestSupport.layout(tmp.resolve("a"), "latest", BASE,
                List.of(file("top", "a"))), Optional.of("a:1"));
        ImageRecord b = store.importImage(TestSupport.layout(tmp.resolve("b"), "latest", BASE,
                List.of(file("top", "b"))), Optional.of("b:1"));
        TestSupport.deleteTree(tmp.resolve("a"));
        TestSupport.deleteTree(tmp.resolve("b"));
        List<String> blobsBefore = TestSupport.list(store.root().resolve("blobs/sha256"));
        List<String> layersBefore = TestSupport.list(store.root().resolve("layers"));
        Path index = store.root().resolve("images.json");
        String good = Files.readString(index);
        String broken = switch (fault) {
            case "truncated" -> good.substring(0, good.length() / 2);
            case "empty" -> "";
            case "garbage" -> "\u0000\u00ff not json at all";
            case "wrong-version" -> good.replaceFirst("\"version\"\\s*:\\s*1", "\"version\": 99");
            case "record-without-digest" -> good.replace("\"manifestDigest\"", "\"renamed\"");
            default -> throw new IllegalArgumentException(fault);
        };
        assertNotEquals(good, broken, "the fault changed nothing");
        Files.writeString(index, broken, StandardCharsets.ISO_8859_1);

        ImageStore reopened = new ImageStore(tmp.resolve("store"));

        List<ImageRecord> images = reopened.list().stream().sorted(Comparator.comparing(ImageRecord::id)).toList();
        List<ImageRecord> want = List.of(a, b).stream().sorted(Comparator.comparing(ImageRecord::id))
                .map(r -> r.withNames(List.of())).toList();
        assertEquals(want.stream().map(ImageRecord::id).toList(), images.stream().map(ImageRecord::id).toList());
        for (int i = 0; i < want.size(); i++) {
            ImageRecord w = want.get(i);
            ImageRecord got = images.get(i);
            assertEquals(List.of(w.id(), w.manifestDigest(), w.configDigest(), w.diffIds(), w.size(), w.names()),
                    List.of(got.id(), got.manifestDigest(), got.configDigest(), got.diffIds(), got.size(),
                            got.names()));
        }
        assertEquals(blobsBefore, TestSupport.list(store.root().resolve("blobs/sha256")), "blobs lost");
        assertEquals(layersBefore, TestSupport.list(store.root().resolve("layers")), "layers lost");
        assertEquals("a", Files.readString(reopened.layerDirs(reopened.resolve(a.id()).orElseThrow()).get(1)
                .resolve("top")));
        assertEquals(broken, Files.readString(store.root().resolve("images.json.broken"), StandardCharsets.ISO_8859_1),
                "the unreadable file was not kept aside");
        assertEquals(reopened.list(), new ImageStore(tmp.resolve("store")).list(), "the rebuilt index was not saved");
        reopened.tag(b.id(), "b:again");
        assertEquals(b.id(), reopened.resolve("b:again").orElseThrow().id());
    }
}
