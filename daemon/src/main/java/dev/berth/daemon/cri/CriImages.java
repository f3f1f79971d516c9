package dev.berth.daemon.cri;

import dev.berth.cri.v1.Image;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.Int64Value;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;
import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.ImageConfig;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** An {@link ImageRecord} as the CRI {@link Image} message kubelet reads. */
final class CriImages {
    private CriImages() {
    }

    /** The image an ImageSpec names, if any: the store's resolution (name, name@digest, id or id prefix). */
    static Optional<ImageRecord> resolve(ImageStore images, ImageSpec spec) {
        String ref = spec.getImage();
        if (ref.isEmpty()) {
            throw BerthException.invalid("image reference is empty");
        }
        return images.resolve(ref);
    }

    static Image toImage(ImageStore images, ImageRecord record) {
        Set<String> tags = new LinkedHashSet<>();
        Set<String> digests = new LinkedHashSet<>();
        for (String name : record.names()) {
            ImageReference ref = ImageReference.parse(name);
            if (ref.tag().isPresent()) {
                tags.add(name);
            }
            // kubelet matches pulls by digest against these, so every repository the image is known by gets one.
            digests.add(ref.repository() + "@" + record.manifestDigest());
        }
        Image.Builder out = Image.newBuilder()
                .setId(record.id())
                .addAllRepoTags(tags)
                .addAllRepoDigests(digests)
                .setSize(record.size())
                .setSpec(ImageSpec.newBuilder().setImage(record.id()));
        ImageConfig config = images.config(record);
        setUser(out, config.config() == null ? null : config.config().user());
        return out.build();
    }

    /**
     * kubelet enforces runAsNonRoot from these: a numeric user goes into uid, a name into username (it then
     * refuses the container, as it cannot tell whether the name is root). No user means root, uid 0.
     */
    static void setUser(Image.Builder out, String imageUser) {
        String user = imageUser == null ? "" : imageUser;
        int colon = user.indexOf(':');
        String name = colon < 0 ? user : user.substring(0, colon);
        if (name.isEmpty()) {
            out.setUid(Int64Value.newBuilder().setValue(0));
            return;
        }
        try {
            out.setUid(Int64Value.newBuilder().setValue(Long.parseLong(name)));
        } catch (NumberFormatException e) {
            out.setUsername(name);
        }
    }
}
