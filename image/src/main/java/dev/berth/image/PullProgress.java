package dev.berth.image;

import dev.berth.oci.spec.image.Digest;

/**
 * Receives pull progress. Called from the download threads, so implementations must be thread-safe and
 * quick (hand the event on, do not block).
 */
@FunctionalInterface
public interface PullProgress {
    enum Status {
        /** The manifest was found; bytesTotal is the sum of the layer blob sizes. */
        RESOLVED,
        /** The layer is in the store already; nothing is fetched. */
        EXISTS,
        DOWNLOADING,
        /** Downloaded and its digest and size checked. */
        VERIFIED,
        EXTRACTED
    }

    /** {@code digest} is the manifest's for RESOLVED, else the layer blob's. */
    record Event(String reference, Digest digest, Status status, long bytesDone, long bytesTotal) {}

    void onEvent(Event event);

    PullProgress NONE = event -> {};
}
