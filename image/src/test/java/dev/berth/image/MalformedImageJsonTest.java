package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Layouts whose index, manifest or config is malformed: wrong media types, JSON over the size cap, nested
 * past the depth cap, with duplicate keys. Each is refused with an INVALID_ARGUMENT that names the document,
 * and the store keeps nothing (no image, blob, layer or temp file). Unknown fields are ignored, as the OCI
 * image spec requires.
 */
class MalformedImageJsonTest {
    @TempDir Path tmp;

    private static final String INDEX = """
            {"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"@MANIFEST@","size":@MANIFEST_SIZE@}]}""";
    private static final String MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"@CONFIG@","size":@CONFIG_SIZE@},\
            "layers":[{"mediaType":"%s","digest":"@LAYER@","size":@LAYER_SIZE@}]%s}""";
    private static final String CONFIG = """
            {"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]%s},"rootfs":{"type":"layers","diff_ids":["@DIFF_ID@"]}}""";

    /** A layout of one image with one layer, from the given documents (placeholders filled with real digests). */
    private Path layout(String index, String manifest, String config) throws IOException {
        Path dir = tmp.resolve("layout-" + System.nanoTime());
        OciLayoutWriter w = new OciLayoutWriter(dir);
        OciLayoutWriter.Layer layer = w.addLayer(List.of(OciLayoutWriter.Entry.file("f", "x")));
        Descriptor c = w.writeBlob(MediaTypes.OCI_CONFIG, config.replace("@DIFF_ID@", layer.diffId().toString()).getBytes(UTF_8));
        Descriptor m = w.writeBlob(MediaTypes.OCI_MANIFEST, manifest
                .replace("@CONFIG@", c.digest().toString()).replace("@CONFIG_SIZE@", Long.toString(c.size()))
                .replace("@LAYER@", layer.descriptor().digest().toString())
                .replace("@LAYER_SIZE@", Long.toString(layer.descriptor().size())).getBytes(UTF_8));
        Files.writeString(dir.resolve("index.json"), index
                .replace("@MANIFEST@", m.digest().toString()).replace("@MANIFEST_SIZE@", Long.toString(m.size())));
        return dir;
    }

    private Path layout(String manifestMediaType, String layerMediaType, String manifestExtra, String configExtra)
            throws IOException {
        return layout(INDEX.formatted(manifestMediaType), MANIFEST.formatted(layerMediaType, manifestExtra),
                CONFIG.formatted(configExtra));
    }

    private void refused(Path layout, String... expected) {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        BerthException e = assertThrows(BerthException.class, () -> store.importImage(layout, Optional.of("bad:1")));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("import image " + layout), e.getMessage());
        for (String part : expected) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
        assertTrue(store.list().isEmpty());
        for (String stored : List.of("blobs/sha256", "layers", "l", "tmp")) {
            assertEquals(List.of(), TestSupport.list(store.root().resolve(stored)), stored);
        }
    }

    @Test
    void wrongMediaTypes() throws IOException {
        refused(layout(MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP, "", ""),
                "unsupported manifest media type " + MediaTypes.OCI_CONFIG);
        refused(layout(MediaTypes.OCI_MANIFEST, "text/plain", "", ""), "has unsupported media type text/plain");
        refused(layout(INDEX.formatted(MediaTypes.OCI_MANIFEST), MANIFEST.formatted(MediaTypes.OCI_LAYER_GZIP, "")
                .replace("\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",", ""), CONFIG.formatted("")),
                "has unsupported media type null");
    }

    @Test
    void nestedIndexWithoutDigest() throws IOException {
        // Found by ImageImportFuzzTest: a NullPointerException escaped the import.
        refused(layout("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"size\":2}]}",
                MANIFEST.formatted(MediaTypes.OCI_LAYER_GZIP, ""), CONFIG.formatted("")),
                "a " + MediaTypes.OCI_INDEX + " descriptor has no digest");
    }

    @Test
    void jsonOverTheSizeCap() throws IOException {
        String padding = ",\"annotations\":{\"pad\":\"" + "x".repeat((int) ImportImage.MAX_JSON_BLOB) + "\"}";
        refused(layout(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, padding, ""),
                "over the " + ImportImage.MAX_JSON_BLOB + " limit");
        Path hugeIndex = layout(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "", "");
        Files.writeString(hugeIndex.resolve("index.json"), "{\"schemaVersion\":2,\"x\":\""
                + "x".repeat((int) ImportImage.MAX_JSON_BLOB) + "\"}");
        refused(hugeIndex, "index.json is larger than " + ImportImage.MAX_JSON_BLOB + " bytes");
    }

    @Test
    void jsonNestedPastTheDepthCap() throws IOException {
        int depth = OciJson.MAX_NESTING_DEPTH + 1;
        refused(layout(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "",
                ",\"x-deep\":" + "[".repeat(depth) + "]".repeat(depth)), "config sha256:", "malformed ImageConfig JSON",
                "nesting depth");
    }

    @Test
    void duplicateKeys() throws IOException {
        // Two configs: which one a reader takes is up to the parser, so neither is taken.
        refused(layout(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP,
                ",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"@LAYER@\",\"size\":1}", ""),
                "manifest sha256:", "malformed Manifest JSON", "Duplicate field 'config'");
        refused(layout(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "", ",\"Cmd\":[\"rm\",\"-rf\",\"/\"]"),
                "malformed ImageConfig JSON", "Duplicate field 'Cmd'");
    }

    @Test
    void unknownFieldsAreIgnored() throws IOException {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        ImageRecord r = store.importImage(layout(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP,
                ",\"x-vendor\":{\"nested\":[1,{\"a\":null}]}", ",\"x-unknown\":true"), Optional.of("ok:1"));
        assertEquals(List.of("sh"), store.config(r).config().cmd());
        assertEquals(List.of(r), store.list());
    }
}
