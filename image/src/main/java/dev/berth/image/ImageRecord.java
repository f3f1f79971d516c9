package dev.berth.image;

import dev.berth.oci.spec.image.Digest;

import java.time.Instant;
import java.util.List;

/**
 * One stored image. {@code id} is {@code sha256:<config digest hex>}; {@code names} are normalised
 * references ({@code localhost/busybox:latest}); {@code diffIds} bottom layer first; {@code size} is the
 * sum of the uncompressed layer tars; {@code created} is the config's created time, else the import time.
 */
public record ImageRecord(String id, List<String> names, Digest manifestDigest, Digest configDigest,
                          List<Digest> diffIds, long size, Instant created) {
    public ImageRecord {
        names = List.copyOf(names);
        diffIds = List.copyOf(diffIds);
    }

    ImageRecord withNames(List<String> newNames) {
        return new ImageRecord(id, newNames, manifestDigest, configDigest, diffIds, size, created);
    }
}
