package dev.berth.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Moves frames between the terminal and an attach/exec connection, or prints a log stream. */
public final class StreamRelay {
    private StreamRelay() {
    }

    /** What {@link #relay} returns when the user typed the detach keys: the container runs on. */
    public static final int DETACHED = -2;

    /**
     * Relays until the exit frame and returns the container's (or exec's) exit code. {@code stdin} is
     * null unless -i. With {@code tty} the terminal size goes out first and on every SIGWINCH.
     */
    public static int relay(HttpResponse conn, InputStream stdin, OutputStream out, OutputStream err, boolean tty)
            throws IOException {
        return relay(conn, stdin, out, err, tty, null);
    }

    /**
     * As {@link #relay(HttpResponse, InputStream, OutputStream, OutputStream, boolean)}; {@code detachKeys}
     * (or null) typed on stdin close the connection without closing the container's stdin, and then it
     * returns {@link #DETACHED}.
     */
    public static int relay(HttpResponse conn, InputStream stdin, OutputStream out, OutputStream err, boolean tty,
                            DetachKeys detachKeys) throws IOException {
        final OutputStream toDaemon = conn.upgradedOutput();
        if (tty) {
            trySendSize(toDaemon);
            Terminal.onResize(new Runnable() {
                @Override
                public void run() {
                    try {
                        sendSize(toDaemon);
                    } catch (IOException ignored) {
                        // the connection is going away; the read loop reports it
                    }
                }
            });
        }
        StdinPump pump = null;
        if (stdin != null) {
            pump = new StdinPump(stdin, toDaemon, detachKeys, conn);
            pump.start();
        }
        int code;
        try {
            code = copyFrames(conn.body(), out, err, true);
        } catch (IOException e) {
            if (pump != null && pump.detached) {
                return DETACHED;
            }
            throw e;
        }
        if (pump != null && pump.detached) {
            return DETACHED;
        }
        if (code < 0) {
            throw new CliException("berthd closed the stream before sending the exit code");
        }
        return code;
    }

    /**
     * Copies stream-1 frames to {@code out} and stream-2 to {@code err}. Returns the exit code at a
     * stream-3 frame when {@code untilExit}, else -1 at the end of the stream.
     */
    public static int copyFrames(InputStream in, OutputStream out, OutputStream err, boolean untilExit)
            throws IOException {
        Frames.Frame f;
        while ((f = Frames.read(in)) != null) {
            switch (f.stream) {
                case Frames.STDOUT:
                    out.write(f.payload);
                    out.flush();
                    break;
                case Frames.STDERR:
                    err.write(f.payload);
                    err.flush();
                    break;
                case Frames.EXIT:
                    String s = new String(f.payload, StandardCharsets.US_ASCII).trim();
                    try {
                        return Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        throw new IOException("malformed exit frame from berthd: '" + s + "'", e);
                    }
                default:
                    // stdin/resize never come from the daemon; ignore anything newer
                    break;
            }
        }
        out.flush();
        err.flush();
        return -1;
    }

    /**
     * Sends the size unless the connection is already gone: a short-lived process may have exited (and
     * the daemon closed the stream) before the size went out, and then the read side has its exit code.
     */
    static void trySendSize(OutputStream toDaemon) {
        try {
            sendSize(toDaemon);
        } catch (IOException ignored) {
            // see above: the read loop reports what happened
        }
    }

    static void sendSize(OutputStream toDaemon) throws IOException {
        String size = Terminal.size();
        if (size != null) {
            byte[] p = size.getBytes(StandardCharsets.US_ASCII);
            Frames.write(toDaemon, Frames.RESIZE, p, 0, p.length);
        }
    }

    /**
     * stdin → stream-0 frames; EOF → one empty frame, which closes the container's stdin. The detach keys
     * close the connection instead: the container's stdin stays open for the next attach.
     */
    static final class StdinPump extends Thread {
        private final InputStream in;
        private final OutputStream toDaemon;
        private final DetachKeys detachKeys;
        private final HttpResponse conn;
        volatile boolean detached;

        StdinPump(InputStream in, OutputStream toDaemon, DetachKeys detachKeys, HttpResponse conn) {
            super("berth-stdin");
            setDaemon(true); // a read blocked on the terminal must not keep the JVM alive
            this.in = in;
            this.toDaemon = toDaemon;
            this.detachKeys = detachKeys;
            this.conn = conn;
        }

        @Override
        public void run() {
            byte[] b = new byte[32 * 1024];
            ByteArrayOutputStream forward = new ByteArrayOutputStream();
            try {
                int n;
                while ((n = in.read(b)) >= 0) {
                    if (detachKeys == null) {
                        if (n > 0) {
                            Frames.write(toDaemon, Frames.STDIN, b, 0, n);
                        }
                        continue;
                    }
                    forward.reset();
                    boolean detach = detachKeys.feed(b, n, forward);
                    if (forward.size() > 0) {
                        Frames.write(toDaemon, Frames.STDIN, forward.toByteArray(), 0, forward.size());
                    }
                    if (detach) {
                        detached = true;
                        conn.close();
                        return;
                    }
                }
                Frames.write(toDaemon, Frames.STDIN, b, 0, 0);
            } catch (IOException ignored) {
                // the daemon closed the connection (container exited): nothing more to send
            }
        }
    }
}
