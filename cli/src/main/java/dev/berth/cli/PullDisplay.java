package dev.berth.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shows pull progress from berthd's JSON lines. On a terminal: one line per layer and a total line
 * (bytes, speed), redrawn in place by moving the cursor up over them; otherwise one plain line per
 * layer state change, which a log or a pipe can keep.
 */
final class PullDisplay {
    /** Redraws at most this often on byte counts alone; a state change redraws at once. */
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final String ESC = "\u001b[";

    private static final class Layer {
        final String id;
        String status = "";
        long done;
        long total;

        Layer(String id) {
            this.id = id;
        }
    }

    private final PrintStream out;
    private final boolean terminal;
    private final long startedNanos;
    private final Map<String, Layer> layers = new LinkedHashMap<>();
    private String manifestDigest;
    private boolean downloadedAny;
    private int linesDrawn;
    private long lastDrawNanos;

    PullDisplay(PrintStream out, boolean terminal, long startedNanos) {
        this.out = out;
        this.terminal = terminal;
        this.startedNanos = startedNanos;
    }

    String manifestDigest() {
        return manifestDigest;
    }

    boolean downloadedAny() {
        return downloadedAny;
    }

    void header(String reference) {
        out.println("Pulling " + reference);
        out.flush();
    }

    /** One progress line: {"status","digest","bytesDone","bytesTotal"}. */
    void onEvent(Map<String, Object> e, long nowNanos) {
        String status = Json.str(e, "status", "");
        String digest = Json.str(e, "digest", "");
        if (status.equals("resolved")) {
            manifestDigest = digest;
            return;
        }
        Layer l = layers.get(digest);
        if (l == null) {
            l = new Layer(shortDigest(digest));
            layers.put(digest, l);
        }
        boolean changed = !status.equals(l.status);
        l.status = status;
        l.done = Json.lng(e, "bytesDone", l.done);
        l.total = Json.lng(e, "bytesTotal", l.total);
        if (status.equals("downloading") || status.equals("verified")) {
            downloadedAny = true;
        }
        if (terminal) {
            if (changed || nowNanos - lastDrawNanos >= REDRAW_NANOS) {
                redraw(nowNanos);
            }
        } else if (changed) {
            out.println(l.id + ": " + describe(l, false));
            out.flush();
        }
    }

    /** Leaves the final state on screen; after it only plain lines follow. */
    void finish(long nowNanos) {
        if (terminal && !layers.isEmpty()) {
            redraw(nowNanos);
        }
    }

    private void redraw(long nowNanos) {
        lastDrawNanos = nowNanos;
        List<String> lines = new ArrayList<>();
        long done = 0;
        long total = 0;
        long fetched = 0;
        for (Layer l : layers.values()) {
            lines.add(l.id + ": " + describe(l, true));
            done += l.done;
            total += l.total;
            if (!l.status.equals("exists")) {
                fetched += l.done;
            }
        }
        double seconds = (nowNanos - startedNanos) / 1e9;
        String speed = seconds > 0.05 ? "  " + Units.decimalSize(fetched / seconds) + "/s" : "";
        lines.add("Total: " + Units.decimalSize(done) + " / " + Units.decimalSize(total) + speed);
        StringBuilder sb = new StringBuilder();
        if (linesDrawn > 0) {
            sb.append(ESC).append(linesDrawn).append('A');
        }
        for (String line : lines) {
            sb.append('\r').append(ESC).append("2K").append(line).append('\n');
        }
        linesDrawn = lines.size();
        out.print(sb);
        out.flush();
    }

    private static String describe(Layer l, boolean withBytes) {
        switch (l.status) {
            case "exists":
                return "Already exists";
            case "downloading":
                return withBytes ? "Downloading  " + Units.decimalSize(l.done) + " / " + Units.decimalSize(l.total)
                        : "Downloading (" + Units.decimalSize(l.total) + ")";
            case "verified":
                return "Download complete";
            case "extracted":
                return "Pull complete";
            default:
                return l.status;
        }
    }

    /** Docker's 12 hex digits of a layer digest. */
    static String shortDigest(String digest) {
        String hex = digest.startsWith("sha256:") ? digest.substring(7) : digest;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }
}
