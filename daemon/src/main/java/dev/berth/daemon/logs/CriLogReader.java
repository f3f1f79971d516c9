package dev.berth.daemon.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * Reads a container's CRI log (and its rotated predecessor), joins partial lines, and hands whole lines to
 * a sink; in follow mode it keeps reading until the container has exited and the file holds no more.
 */
public final class CriLogReader {
    /** Receives each whole line with its trailing newline. */
    @FunctionalInterface
    public interface Sink {
        /** Returns false when the reader should stop (the client went away). */
        boolean line(boolean stderr, String timestamp, String contentWithNewline);
    }

    private static final long POLL_MILLIS = 100;

    private final Path log;
    private final StringBuilder[] partial = {new StringBuilder(), new StringBuilder()};
    private TimeWindow window = TimeWindow.ALL;
    /** A line after the window's end was read: nothing later can be in it. */
    private boolean pastWindow;

    public CriLogReader(Path log) {
        this.log = log;
    }

    /**
     * @param tail    the number of last lines to send first, or null for all
     * @param running true while more output may come; follow stops once it is false and the file is drained
     */
    public void read(Integer tail, boolean follow, BooleanSupplier running, Sink sink) throws IOException,
            InterruptedException {
        read(tail, TimeWindow.ALL, follow, running, sink);
    }

    /**
     * As {@link #read(Integer, boolean, BooleanSupplier, Sink)}, only the lines written within {@code window}:
     * {@code tail} counts among those, as Docker's, and following ends at the first line after it.
     */
    public void read(Integer tail, TimeWindow window, boolean follow, BooleanSupplier running, Sink sink)
            throws IOException, InterruptedException {
        this.window = window;
        Deque<CriLogLine> last = tail == null ? null : new ArrayDeque<>();
        Sink history = last == null ? sink : (stderr, ts, content) -> {
            last.addLast(new CriLogLine(ts, stderr, false, content));
            if (last.size() > tail) {
                last.removeFirst();
            }
            return true;
        };
        Path rotated = log.resolveSibling(log.getFileName() + ".1");
        if (Files.exists(rotated)) {
            readFrom(rotated, 0, history);
        }
        long position = Files.exists(log) ? readFrom(log, 0, history) : 0;
        if (last != null) {
            for (CriLogLine l : last) {
                if (!sink.line(l.stderr(), l.timestamp(), l.content())) {
                    return;
                }
            }
        }
        while (follow && !pastWindow) {
            boolean more = running.getAsBoolean();
            long size = Files.exists(log) ? Files.size(log) : 0;
            if (size < position) {
                position = 0; // rotated under us: the new file starts over
            }
            if (size > position) {
                position = readFrom(log, position, sink);
            } else if (!more) {
                return;
            } else {
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    /** Reads whole lines from the position on; returns the position after the last whole line. */
    private long readFrom(Path file, long position, Sink sink) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            in.seek(position);
            byte[] buf = new byte[64 * 1024];
            java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
            long consumed = position;
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        String line = pending.toString(StandardCharsets.UTF_8);
                        consumed += pending.size() + 1;
                        pending.reset();
                        if (!deliver(line, sink)) {
                            return consumed;
                        }
                    } else {
                        pending.write(buf[i]);
                    }
                }
            }
            return consumed;
        }
    }

    private boolean deliver(String raw, Sink sink) {
        CriLogLine line = CriLogLine.parse(raw);
        if (line == null) {
            return true;
        }
        if (!window.isOpen()) {
            Instant t = line.time();
            if (t != null && window.tooLate(t)) {
                pastWindow = true;
                return false;
            }
            if (t != null && window.tooEarly(t)) {
                return true;
            }
        }
        StringBuilder acc = partial[line.stderr() ? 1 : 0];
        acc.append(line.content());
        if (line.partial()) {
            return true;
        }
        String content = acc.append('\n').toString();
        acc.setLength(0);
        return sink.line(line.stderr(), line.timestamp(), content);
    }
}
