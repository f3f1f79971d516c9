package dev.berth.daemon.streaming;

import dev.berth.oci.BerthException;
import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;

/** A CRI Exec request: run {@code cmd} in a container and stream its stdio. */
public record ExecTarget(String containerId, List<String> cmd, Streams streams) implements CommandTarget {
    private static final System.Logger LOG = System.getLogger(ExecTarget.class.getName());

    public ExecTarget {
        if (containerId == null || containerId.isEmpty()) {
            throw BerthException.invalid("exec: a container id is required");
        }
        if (cmd == null || cmd.isEmpty()) {
            throw BerthException.invalid("exec in container " + containerId + ": a command is required");
        }
        cmd = List.copyOf(cmd);
        if (streams == null) {
            throw BerthException.invalid("exec in container " + containerId + ": streams are required");
        }
        streams.validate("exec in container " + containerId);
    }

    @Override
    public String operation() {
        return "exec in container " + containerId;
    }

    @Override
    public boolean reportsExitCode() {
        return true;
    }

    /** Without stdin the process reads end of input at once, as with kubelet, instead of waiting. */
    @Override
    public FrameStream open(StreamingBackend backend) {
        ExecSession session = backend.exec(containerId, cmd, streams.tty(), streams.stdin());
        if (!streams.stdin()) {
            try {
                session.closeStdin();
            } catch (IOException e) {
                // A process that ended at once has closed the connection's input side: its output and
                // exit frame are still there to read, and a broken stream shows when they are read.
                LOG.log(Level.DEBUG, operation() + ": close stdin: " + e.getMessage());
            }
        }
        return session;
    }
}
