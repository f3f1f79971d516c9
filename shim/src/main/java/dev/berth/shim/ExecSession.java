package dev.berth.shim;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** The frames of one exec process; the stream ends with its exit frame. */
public final class ExecSession extends FrameStream {
    private final int pid;

    ExecSession(SocketChannel channel, ByteBuffer leftover, int pid) {
        super(channel, leftover);
        this.pid = pid;
    }

    /** The exec process's pid on the host. */
    public int pid() {
        return pid;
    }
}
