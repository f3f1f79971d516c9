package dev.berth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Moves frames between the terminal and an attach/exec connection, or prints a log stream. */
public final class StreamRelay {
    private StreamRelay() {
    }

    /**
     * Relays until the exit frame and returns the container's (or exec's) exit code. {@code stdin} is
     * null unless -i. With {@code tty} the terminal size goes out first and on every SIGWINCH.
     */
    public static int relay(HttpResponse conn, InputStream stdin, OutputStream out, OutputStream err, boolean tty)
            throws IOException {
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
        if (stdin != null) {
            Thread pump = new StdinPump(stdin, toDaemon);
            pump.start();
        }
        int code = copyFrames(conn.body(), out, err, true);
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

    /** stdin → stream-0 frames; EOF → one empty frame, which closes the container's stdin. */
    static final class StdinPump extends Thread {
        private final InputStream in;
        private final OutputStream toDaemon;

        StdinPump(InputStream in, OutputStream toDaemon) {
            super("berth-stdin");
            setDaemon(true); // a read blocked on the terminal must not keep the JVM alive
            this.in = in;
            this.toDaemon = toDaemon;
        }

        @Override
        public void run() {
            byte[] b = new byte[32 * 1024];
            try {
                int n;
                while ((n = in.read(b)) >= 0) {
                    if (n > 0) {
                        Frames.write(toDaemon, Frames.STDIN, b, 0, n);
                    }
                }
                Frames.write(toDaemon, Frames.STDIN, b, 0, 0);
            } catch (IOException ignored) {
                // the daemon closed the connection (container exited): nothing more to send
            }
        }
    }
}
