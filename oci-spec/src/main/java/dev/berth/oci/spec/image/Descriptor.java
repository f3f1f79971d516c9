package dev.berth.oci.spec.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** A content descriptor. size is always written, even 0. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Descriptor(
        String mediaType,
        Digest digest,
        long size,
        List<String> urls,
        Map<String, String> annotations,
        Platform platform) {

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, null, null);
    }

    /** The {@code org.opencontainers.image.ref.name} annotation (a tag in an OCI layout), or null. */
    public String refName() {
        return annotations == null ? null : annotations.get(ANNOTATION_REF_NAME);
    }

    public static final String ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
}
