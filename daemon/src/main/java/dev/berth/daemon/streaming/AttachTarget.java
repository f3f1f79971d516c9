package dev.berth.daemon.streaming;

import dev.berth.oci.BerthException;
import dev.berth.shim.FrameStream;

/** A CRI Attach request: stream a running container's own stdio. */
public record AttachTarget(String containerId, Streams streams) implements CommandTarget {

    public AttachTarget {
        if (containerId == null || containerId.isEmpty()) {
            throw BerthException.invalid("attach: a container id is required");
        }
        if (streams == null) {
            throw BerthException.invalid("attach to container " + containerId + ": streams are required");
        }
        streams.validate("attach to container " + containerId);
    }

    @Override
    public String operation() {
        return "attach to container " + containerId;
    }

    @Override
    public boolean reportsExitCode() {
        return false;
    }

    @Override
    public FrameStream open(StreamingBackend backend) {
        return backend.attach(containerId);
    }
}
