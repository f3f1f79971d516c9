package dev.berth.daemon.cri;

import dev.berth.cri.v1.ImageStatusRequest;
import dev.berth.cri.v1.ImageStatusResponse;
import dev.berth.image.ImageStore;

/** ImageService.ImageStatus. */
final class ImageStatusRpc {
    private final ImageStore images;

    ImageStatusRpc(ImageStore images) {
        this.images = images;
    }

    /** A missing image is an empty response, not NOT_FOUND: kubelet asks this to decide whether to pull. */
    ImageStatusResponse call(ImageStatusRequest request) {
        return CriImages.resolve(images, request.getImage())
                .map(r -> ImageStatusResponse.newBuilder().setImage(CriImages.toImage(images, r)).build())
                .orElse(ImageStatusResponse.getDefaultInstance());
    }
}
