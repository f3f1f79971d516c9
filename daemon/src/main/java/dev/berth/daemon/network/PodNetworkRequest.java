package dev.berth.daemon.network;

import java.nio.file.Path;
import java.util.List;

/**
 * One pod as the network sees it. {@code netns} is the pinned namespace file ({@link NetnsManager});
 * for {@link PodNetwork#detach} it may be null or already removed.
 */
public record PodNetworkRequest(String podId, String podName, String podNamespace, String podUid, Path netns,
                                List<PortMapping> portMappings) {
    public PodNetworkRequest {
        portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
    }
}
