package dev.berth.shim;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A stream of frames to and from the shim (after ATTACH or EXEC). {@link #read()} and the writing
 * methods may be used from two different threads.
 */
public class FrameStream implements AutoCloseable {
    /** The shim rejects input frames larger than this. */
    public static final int MAX_INPUT_PAYLOAD = 64 * 1024;

    private final SocketChannel channel;
    private final ByteBuffer in;
    private final Object writeLock = new Object();

    FrameStream(SocketChannel channel, ByteBuffer leftover) {
        this.channel = channel;
        this.in = ByteBuffer.allocate(Math.max(64 * 1024, leftover.remaining()));
        this.in.put(leftover).flip();
    }

    /** The next frame, or null when the shim closed the stream (after the exit frame, or if it died). */
    public Frame read() throws IOException {
        try {
            if (!fill(Frame.HEADER_SIZE)) {
                return null;
            }
        } catch (SocketException e) {
            // A reset between frames is the shim going away, the same as EOF.
            if (in.hasRemaining()) {
                throw e;
            }
            return null;
        }
        int stream = in.get() & 0xff;
        in.get();
        in.get();
        in.get();
        int len = in.getInt();
        if (len < 0) {
            throw new IOException("frame of " + Integer.toUnsignedLong(len) + " bytes");
        }
        byte[] payload = new byte[len];
        int off = 0;
        while (off < len) {
            if (!in.hasRemaining() && !fill(1)) {
                throw new EOFException("stream ended inside a frame");
            }
            int n = Math.min(in.remaining(), len - off);
            in.get(payload, off, n);
            off += n;
        }
        return new Frame(stream, payload);
    }

    /** Makes at least {@code need} bytes available; false on a clean EOF before any of them. */
    private boolean fill(int need) throws IOException {
        while (in.remaining() < need) {
            int had = in.remaining();
            in.compact();
            int n = channel.read(in);
            in.flip();
            if (n < 0) {
                if (had == 0) {
                    return false;
                }
                throw new EOFException("stream ended inside a frame");
            }
        }
        return true;
    }

    /** Sends one frame; stdin data larger than the shim's limit is split. */
    public void write(int stream, byte[] data) throws IOException {
        int off = 0;
        do {
            int n = Math.min(data.length - off, MAX_INPUT_PAYLOAD);
            ByteBuffer h = ByteBuffer.allocate(Frame.HEADER_SIZE);
            h.put((byte) stream).put((byte) 0).put((byte) 0).put((byte) 0).putInt(n).flip();
            ByteBuffer p = ByteBuffer.wrap(data, off, n);
            synchronized (writeLock) {
                ByteBuffer[] bufs = {h, p};
                while (h.hasRemaining() || p.hasRemaining()) {
                    channel.write(bufs);
                }
            }
            off += n;
        } while (off < data.length);
    }

    /** Closes the process's stdin (a zero-length stdin frame). */
    public void closeStdin() throws IOException {
        write(Frame.STDIN, new byte[0]);
    }

    /** Sets the terminal size; ignored by the shim when the process has no terminal. */
    public void resize(int rows, int cols) throws IOException {
        write(Frame.RESIZE, (rows + " " + cols).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
