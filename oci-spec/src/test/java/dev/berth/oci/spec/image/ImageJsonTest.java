package dev.berth.oci.spec.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageJsonTest {
    private static final String D1 = "sha256:" + "1".repeat(64);
    private static final String D2 = "sha256:" + "2".repeat(64);
    private static final String D3 = "sha256:" + "3".repeat(64);

    private static <T> T roundTrip(String json, Class<T> type) throws IOException {
        T value = OciJson.read(json.getBytes(StandardCharsets.UTF_8), type);
        assertEquals(OciJson.mapper().readTree(json), OciJson.mapper().readTree(OciJson.toBytes(value)));
        return value;
    }

    @Test
    void manifestRoundTrips() throws IOException {
        Manifest m = roundTrip("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":0},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":1234,
                   "urls":["https://example.com/l"],"annotations":{"a":"b"}}],
                 "annotations":{"org.opencontainers.image.created":"2026-01-01T00:00:00Z"}}
                """.formatted(D1, D2), Manifest.class);
        assertEquals(Digest.parse(D1), m.config().digest());
        assertEquals(0, m.config().size());
        assertEquals(1234, m.layers().get(0).size());
        assertTrue(MediaTypes.isManifest(m.mediaType()));
    }

    @Test
    void indexWithPlatformsRoundTrips() throws IOException {
        Index i = roundTrip("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
                 "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s","size":7,
                   "platform":{"architecture":"arm64","os":"linux","variant":"v8","os.version":"10.0","os.features":["f"]}},
                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":8,
                   "annotations":{"org.opencontainers.image.ref.name":"latest"}}]}
                """.formatted(D1, D2), Index.class);
        assertEquals("v8", i.manifests().get(0).platform().variant());
        assertEquals("10.0", i.manifests().get(0).platform().osVersion());
        assertEquals("latest", i.manifests().get(1).refName());
        assertNull(i.manifests().get(0).refName());
        assertTrue(MediaTypes.isIndex(i.mediaType()));
    }

    @Test
    void imageConfigUsesDockerCapitalisedAndSnakeCaseNames() throws IOException {
        ImageConfig c = roundTrip("""
                {"created":"2026-01-01T00:00:00.5Z","author":"me","architecture":"amd64","os":"linux","variant":"v2",
                 "config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{}},"Env":["PATH=/bin","A=1"],
                  "Entrypoint":["/entry"],"Cmd":["run"],"Volumes":{"/data":{}},"WorkingDir":"/app",
                  "Labels":{"l":"v"},"StopSignal":"SIGQUIT"},
                 "rootfs":{"type":"layers","diff_ids":["%s","%s"]},
                 "history":[{"created":"2026-01-01T00:00:00Z","created_by":"/bin/sh -c x","author":"a","comment":"c","empty_layer":true}]}
                """.formatted(D1, D3), ImageConfig.class);
        assertEquals(List.of("/entry"), c.config().entrypoint());
        assertEquals("SIGQUIT", c.config().stopSignal());
        assertEquals(Map.of(), c.config().exposedPorts().get("80/tcp"));
        assertEquals(List.of(Digest.parse(D1), Digest.parse(D3)), c.rootfs().diffIds());
        assertTrue(c.history().get(0).emptyLayer());
        assertEquals("/bin/sh -c x", c.history().get(0).createdBy());
    }

    @Test
    void dockerConfigExtraFieldsAreIgnored() {
        ImageConfig c = OciJson.read("""
                {"architecture":"amd64","os":"linux","container":"abc","docker_version":"20.10",
                 "container_config":{"Cmd":["x"]},"config":{"Cmd":["sh"],"Hostname":"h","ArgsEscaped":true},
                 "rootfs":{"type":"layers","diff_ids":[]}}
                """.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
        assertEquals(List.of("sh"), c.config().cmd());
        assertEquals(List.of(), c.rootfs().diffIds());
    }

    @Test
    void writtenDescriptorKeepsZeroSizeAndDropsNulls() throws IOException {
        JsonNode n = OciJson.mapper().readTree(OciJson.toBytes(new Descriptor(MediaTypes.OCI_CONFIG, Digest.parse(D1), 0)));
        assertEquals(0, n.get("size").asInt(-1));
        assertEquals(D1, n.get("digest").asText());
        assertFalse(n.has("urls"));
        assertFalse(n.has("platform"));
    }

    @Test
    void invalidDigestInManifestIsInvalidArgument() {
        BerthException e = assertThrows(BerthException.class, () -> OciJson.read("""
                {"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:../../etc","size":1}}
                """.getBytes(StandardCharsets.UTF_8), Manifest.class, "blob sha256:abc"));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("blob sha256:abc"), e.getMessage());
    }

    @Test
    void mediaTypeClassification() {
        assertEquals(MediaTypes.Compression.GZIP, MediaTypes.layerCompression(MediaTypes.DOCKER_LAYER_GZIP));
        assertEquals(MediaTypes.Compression.GZIP, MediaTypes.layerCompression(MediaTypes.DOCKER_FOREIGN_LAYER_GZIP));
        assertEquals(MediaTypes.Compression.ZSTD, MediaTypes.layerCompression(MediaTypes.OCI_LAYER_ZSTD));
        assertEquals(MediaTypes.Compression.NONE, MediaTypes.layerCompression(MediaTypes.OCI_LAYER));
        assertEquals(MediaTypes.Compression.GZIP, MediaTypes.layerCompression(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_GZIP));
        assertNull(MediaTypes.layerCompression(MediaTypes.OCI_CONFIG));
        assertFalse(MediaTypes.isLayer(MediaTypes.OCI_MANIFEST));
        assertTrue(MediaTypes.isNondistributable(MediaTypes.DOCKER_FOREIGN_LAYER_GZIP));
        assertTrue(MediaTypes.isNondistributable(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_ZSTD));
        assertFalse(MediaTypes.isNondistributable(MediaTypes.OCI_LAYER_GZIP));
        assertTrue(MediaTypes.isConfig(MediaTypes.DOCKER_CONFIG));
        assertTrue(MediaTypes.isIndex(MediaTypes.OCI_INDEX));
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", MediaTypes.DOCKER_MANIFEST);
        assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", MediaTypes.OCI_LAYER_ZSTD);
    }
}
