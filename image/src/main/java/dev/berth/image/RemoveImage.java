package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Removes an image name, or the image. By name: that name goes; the image goes with its last name. By id:
 * the image and all its names go. Then blobs and layers that no remaining image uses are deleted.
 */
final class RemoveImage {
    private final ImageStore store;
    private final String ref;
    private final String op;

    RemoveImage(ImageStore store, String ref) {
        this.store = store;
        this.ref = ref;
        this.op = "remove image " + ref;
    }

    void run() {
        store.lock().writeLock().lock();
        try {
            synchronized (store.records()) {
                ImageRecord image = store.require(ref, op);
                Optional<String> name = nameMeant(image);
                if (name.isPresent() && image.names().size() > 1) {
                    List<String> left = new ArrayList<>(image.names());
                    left.remove(name.get());
                    store.records().put(image.id(), image.withNames(left));
                    store.save();
                    return;
                }
                Set<Digest> blobs = new HashSet<>(store.blobsOf(image));
                Set<Digest> layers = new HashSet<>(image.diffIds());
                store.records().remove(image.id());
                store.save();
                blobs.removeAll(store.referencedBlobs());
                layers.removeAll(store.referencedLayers());
                for (Digest d : layers) {
                    store.layers().delete(d);
                }
                for (Digest d : blobs) {
                    store.blobs().delete(d);
                }
            }
        } catch (java.io.IOException e) {
            throw BerthException.internal(op + ": " + e.getMessage(), e);
        } finally {
            store.lock().writeLock().unlock();
        }
    }

    /** The image's name that {@code ref} spelled, if it was a name and not an id. */
    private Optional<String> nameMeant(ImageRecord image) {
        if (ref.startsWith("sha256:")) {
            return Optional.empty();
        }
        try {
            for (String candidate : ImageReference.candidates(ref)) {
                if (image.names().contains(candidate)) {
                    return Optional.of(candidate);
                }
            }
        } catch (BerthException notAName) {
            // a bare hex id
        }
        return Optional.empty();
    }
}
