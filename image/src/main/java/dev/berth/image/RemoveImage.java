package dev.berth.image;

import dev.berth.oci.BerthException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Removes an image name, or the image. By name: that name goes; the image goes with its last name. By id:
 * the image and all its names go. An image a container uses only loses names (Docker's {@code rmi -f}):
 * its layers are that container's rootfs. Then the store collects what no image references.
 */
final class RemoveImage {
    private final ImageStore store;
    private final String ref;
    private final Predicate<String> inUse;
    private final String op;

    RemoveImage(ImageStore store, String ref, Predicate<String> inUse) {
        this.store = store;
        this.ref = ref;
        this.inUse = inUse;
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
                if (inUse.test(image.id())) {
                    store.records().put(image.id(), image.withNames(List.of()));
                    store.save();
                    return;
                }
                store.records().remove(image.id());
                store.save();
                store.collectGarbage(null, null);
            }
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
