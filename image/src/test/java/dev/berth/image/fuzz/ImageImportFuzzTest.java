package dev.berth.image.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageStore;
import dev.berth.image.OciLayoutWriter;
import dev.berth.image.TestSupport;
import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.MediaTypes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary index.json, manifest and config documents in an OCI layout that is otherwise sound: the import
 * either stores one image whose config and layers can be read back, or fails with a BerthException that is
 * not INTERNAL (bad input is the image's fault, not Berth's) and stores nothing.
 *
 * <p>An input is the three documents separated by a line {@code ---}. Digests cannot be guessed, so
 * placeholders are replaced before the documents are stored: {@code @LAYER@}, {@code @LAYER_SIZE@},
 * {@code @DIFF_ID@} (one fixed layer), {@code @CONFIG@}, {@code @CONFIG_SIZE@} (the config as stored) and
 * {@code @MANIFEST@}, {@code @MANIFEST_SIZE@} (the manifest as stored).
 */
class ImageImportFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void importLayout(byte[] input) throws IOException {
        String[] docs = new String(input, StandardCharsets.UTF_8).split("\n---\n", 3);
        Path work = Files.createTempDirectory("berth-fuzz-import-");
        try {
            OciLayoutWriter layout = new OciLayoutWriter(work.resolve("layout"));
            OciLayoutWriter.Layer layer = layout.addLayer(List.of(OciLayoutWriter.Entry.file("f", "x")));
            String config = doc(docs, 2).replace("@DIFF_ID@", layer.diffId().toString());
            Descriptor configDesc = layout.writeBlob(MediaTypes.OCI_CONFIG, config.getBytes(StandardCharsets.UTF_8));
            String manifest = withLayer(doc(docs, 1), layer)
                    .replace("@CONFIG_SIZE@", Long.toString(configDesc.size()))
                    .replace("@CONFIG@", configDesc.digest().toString());
            Descriptor manifestDesc = layout.writeBlob(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
            String index = withLayer(doc(docs, 0), layer)
                    .replace("@MANIFEST_SIZE@", Long.toString(manifestDesc.size()))
                    .replace("@MANIFEST@", manifestDesc.digest().toString());
            Files.writeString(work.resolve("layout/index.json"), index);

            Path storeDir = work.resolve("store");
            ImageStore store = new ImageStore(storeDir);
            try {
                ImageRecord image = store.importImage(work.resolve("layout"), Optional.of("fuzz:latest"));
                assertEquals(1, store.list().size());
                store.config(image);
                for (Path dir : store.layerDirs(image)) {
                    assertTrue(Files.isDirectory(dir), dir.toString());
                }
            } catch (BerthException refused) {
                assertNotEquals(BerthException.Kind.INTERNAL, refused.kind(), refused.toString());
                assertTrue(refused.getMessage().contains("import image " + work.resolve("layout")), refused.getMessage());
                assertEquals(List.of(), store.list());
                for (String stored : List.of("blobs/sha256", "layers", "l", "tmp")) {
                    assertEquals(List.of(), TestSupport.list(storeDir.resolve(stored)), stored + " after " + refused.getMessage());
                }
            }
        } finally {
            TestSupport.deleteTree(work);
        }
    }

    private static String doc(String[] docs, int i) {
        return i < docs.length ? docs[i] : "";
    }

    private static String withLayer(String doc, OciLayoutWriter.Layer layer) {
        return doc.replace("@LAYER_SIZE@", Long.toString(layer.descriptor().size()))
                .replace("@LAYER@", layer.descriptor().digest().toString())
                .replace("@DIFF_ID@", layer.diffId().toString());
    }
}
