package dev.berth.daemon.cri;

import dev.berth.cri.v1.ListImagesRequest;
import dev.berth.cri.v1.ListImagesResponse;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageStore;
import java.util.List;

/** ImageService.ListImages; the filter's image is resolved as any reference is, so a name, digest or id all work. */
final class ImageList {
    private final ImageStore images;

    ImageList(ImageStore images) {
        this.images = images;
    }

    ListImagesResponse call(ListImagesRequest request) {
        List<ImageRecord> matches;
        if (request.hasFilter() && request.getFilter().hasImage() && !request.getFilter().getImage().getImage().isEmpty()) {
            matches = CriImages.resolve(images, request.getFilter().getImage()).map(List::of).orElse(List.of());
        } else {
            matches = images.list();
        }
        ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
        for (ImageRecord r : matches) {
            out.addImages(CriImages.toImage(images, r));
        }
        return out.build();
    }
}
