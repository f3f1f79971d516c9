package dev.berth.daemon.logs;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * One line of a Kubernetes CRI log file: {@code <RFC3339Nano> <stdout|stderr> <F|P> <content>}; P marks a
 * partial line that the next one continues.
 */
public record CriLogLine(String timestamp, boolean stderr, boolean partial, String content) {

    /** Parses a line without its newline; null when it is not in the CRI format. */
    public static CriLogLine parse(String line) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        if (b < 0 || b + 2 > line.length()) {
            return null;
        }
        String stream = line.substring(a + 1, b);
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            return null;
        }
        char tag = line.charAt(b + 1);
        if (tag != 'F' && tag != 'P') {
            return null;
        }
        String content = b + 3 <= line.length() ? line.substring(b + 3) : "";
        return new CriLogLine(line.substring(0, a), stream.equals("stderr"), tag == 'P', content);
    }

    /** When the line was written; null when its timestamp is not RFC 3339. */
    public Instant time() {
        try {
            return OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
