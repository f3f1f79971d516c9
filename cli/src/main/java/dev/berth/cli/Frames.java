package dev.berth.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The stream frames of api.md: {@code [stream u8][0][0][0][length u32 BE]} then the payload. */
public final class Frames {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int EXIT = 3;
    public static final int RESIZE = 4;
    /** Far above any frame berthd sends; a bigger length means we are out of sync. */
    static final int MAX_PAYLOAD = 64 * 1024 * 1024;

    private Frames() {
    }

    public static final class Frame {
        public final int stream;
        public final byte[] payload;

        public Frame(int stream, byte[] payload) {
            this.stream = stream;
            this.payload = payload;
        }
    }

    public static byte[] encode(int stream, byte[] b, int off, int len) {
        byte[] f = new byte[8 + len];
        f[0] = (byte) stream;
        f[4] = (byte) (len >>> 24);
        f[5] = (byte) (len >>> 16);
        f[6] = (byte) (len >>> 8);
        f[7] = (byte) len;
        System.arraycopy(b, off, f, 8, len);
        return f;
    }

    /** Writes one frame in one write, so concurrent writers (stdin pump, resize) never interleave. */
    public static void write(OutputStream out, int stream, byte[] b, int off, int len) throws IOException {
        byte[] f = encode(stream, b, off, len);
        synchronized (out) {
            out.write(f);
            out.flush();
        }
    }

    /** The next frame, or null at a clean end of stream between frames. */
    public static Frame read(InputStream in) throws IOException {
        byte[] h = new byte[8];
        int got = 0;
        while (got < 8) {
            int n = in.read(h, got, 8 - got);
            if (n < 0) {
                if (got == 0) {
                    return null;
                }
                throw new EOFException("stream from berthd ended inside a frame header");
            }
            got += n;
        }
        long len = ((h[4] & 0xffL) << 24) | ((h[5] & 0xff) << 16) | ((h[6] & 0xff) << 8) | (h[7] & 0xff);
        if (len > MAX_PAYLOAD) {
            throw new IOException("frame of " + len + " bytes from berthd: stream out of sync");
        }
        byte[] p = new byte[(int) len];
        got = 0;
        while (got < p.length) {
            int n = in.read(p, got, p.length - got);
            if (n < 0) {
                throw new EOFException("stream from berthd ended inside a frame");
            }
            got += n;
        }
        return new Frame(h[0] & 0xff, p);
    }
}
