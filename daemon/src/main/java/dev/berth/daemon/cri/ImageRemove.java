package dev.berth.daemon.cri;

import dev.berth.cri.v1.RemoveImageRequest;
import dev.berth.cri.v1.RemoveImageResponse;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageStore;
import dev.berth.oci.BerthException;
import java.util.Optional;
import java.util.function.Predicate;

/** ImageService.RemoveImage. */
final class ImageRemove {
    private final ImageStore images;
    private final Predicate<String> inUse;

    /** {@code inUse}: whether a container's rootfs is the image (by id); such an image is only untagged. */
    ImageRemove(ImageStore images, Predicate<String> inUse) {
        this.images = images;
        this.inUse = inUse;
    }

    /**
     * Removes the image with all its names (kubelet's image GC passes an id and means the image, not one tag).
     * A missing image succeeds: kubelet retries removals and must not see an error for one already done.
     */
    RemoveImageResponse call(RemoveImageRequest request) {
        Optional<ImageRecord> image = CriImages.resolve(images, request.getImage());
        if (image.isPresent()) {
            try {
                images.remove(image.get().id(), inUse);
            } catch (BerthException e) {
                // A concurrent removal got there between the resolve and the remove: the outcome asked for.
                if (e.kind() != BerthException.Kind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return RemoveImageResponse.getDefaultInstance();
    }
}
