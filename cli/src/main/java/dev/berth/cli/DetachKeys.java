package dev.berth.cli;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * The key sequence that leaves an attached terminal without stopping the container, written as docker's
 * {@code --detach-keys}: comma-separated keys, each a single character or {@code ctrl-X} (X one of a-z, @,
 * [, \, ], ^, _). Fed stdin byte by byte, it holds back a partly typed sequence and passes it on when the
 * next byte does not continue it.
 */
final class DetachKeys {
    static final String DEFAULT = "ctrl-p,ctrl-q";

    private final byte[] sequence;
    private int matched;

    private DetachKeys(byte[] sequence) {
        this.sequence = sequence;
    }

    static DetachKeys parse(String spec) {
        ByteArrayOutputStream seq = new ByteArrayOutputStream();
        for (String key : spec.split(",", -1)) {
            String k = key.strip().toLowerCase(Locale.ROOT);
            if (k.length() == 1) {
                seq.write(key.strip().charAt(0));
            } else if (k.length() == 6 && k.startsWith("ctrl-") && (Character.isLetter(k.charAt(5)) || "@[\\]^_".indexOf(k.charAt(5)) >= 0)) {
                char c = k.charAt(5);
                seq.write(Character.isLetter(c) ? c - 'a' + 1 : c == '@' ? 0 : c - '[' + 27);
            } else {
                throw new CliException("invalid detach key '" + key + "': use a character or ctrl-X, comma-separated (" + DEFAULT + ")");
            }
        }
        return new DetachKeys(seq.toByteArray());
    }

    /**
     * Takes the bytes read from stdin; writes to {@code forward} what goes on to the container and returns true
     * once the whole sequence was typed (the bytes after it are dropped with the session).
     */
    boolean feed(byte[] b, int n, ByteArrayOutputStream forward) {
        for (int i = 0; i < n; i++) {
            if (b[i] == sequence[matched]) {
                if (++matched == sequence.length) {
                    return true;
                }
            } else {
                forward.write(sequence, 0, matched);
                matched = b[i] == sequence[0] ? 1 : 0;
                if (matched == 0) {
                    forward.write(b[i]);
                }
            }
        }
        return false;
    }
}
