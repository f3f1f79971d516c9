package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.image.Manifest;
import dev.berth.oci.spec.image.MediaTypes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The image records found again in the store when images.json cannot be read: every manifest blob whose
 * config blob and unpacked layers are all there is an image. Manifests and configs are content-addressed,
 * so ids, digests, layers and sizes come back exactly; names live in images.json alone and are lost.
 * Without this, an unreadable index would stop berthd, and an empty one would let the garbage collector
 * delete the layers of every running container.
 */
final class ImageIndexRebuild {
    private final BlobStore blobs;
    private final LayerStore layers;

    ImageIndexRebuild(BlobStore blobs, LayerStore layers) {
        this.blobs = blobs;
        this.layers = layers;
    }

    /** The complete images in the store, by id; an incomplete one is left to the garbage collector. */
    List<ImageRecord> run() {
        Map<String, ImageRecord> found = new LinkedHashMap<>();
        try {
            for (Digest d : blobs.all()) {
                image(d).ifPresent(r -> found.putIfAbsent(r.id(), r));
            }
        } catch (IOException e) {
            throw BerthException.internal("rebuild the image index: list blobs: " + e.getMessage(), e);
        }
        return new ArrayList<>(found.values());
    }

    private Optional<ImageRecord> image(Digest blob) {
        try {
            Manifest m = OciJson.read(blobs.read(blob, ImportImage.MAX_JSON_BLOB, "rebuild the image index"),
                    Manifest.class);
            Descriptor config = m.config();
            if (m.schemaVersion() != 2 || (m.mediaType() != null && !MediaTypes.isManifest(m.mediaType()))
                    || config == null || config.digest() == null || !MediaTypes.isConfig(config.mediaType())
                    || !blobs.has(config.digest())) {
                return Optional.empty();
            }
            ImageConfig c = OciJson.read(blobs.read(config.digest(), ImportImage.MAX_JSON_BLOB,
                    "rebuild the image index"), ImageConfig.class);
            List<Digest> diffIds = c.rootfs() == null || c.rootfs().diffIds() == null ? List.of()
                    : c.rootfs().diffIds();
            int layerCount = m.layers() == null ? 0 : m.layers().size();
            if (diffIds.size() != layerCount || !diffIds.stream().allMatch(layers::has)) {
                return Optional.empty();
            }
            long size = diffIds.stream().mapToLong(layers::size).sum();
            return Optional.of(new ImageRecord(config.digest().toString(), List.of(), blob, config.digest(), diffIds,
                    size, ImportImage.created(c)));
        } catch (BerthException notAnImage) {
            // A layer, a config, or a blob too large to be a manifest.
            return Optional.empty();
        }
    }
}
