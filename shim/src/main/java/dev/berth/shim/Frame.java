package dev.berth.shim;

/**
 * One stream frame (docs/api.md "Stream frames"): 0 stdin, 1 stdout, 2 stderr, 3 exit (decimal code),
 * 4 resize ("ROWS COLS").
 */
public record Frame(int stream, byte[] payload) {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int EXIT = 3;
    public static final int RESIZE = 4;
    public static final int HEADER_SIZE = 8;

    public Frame {
        if (stream < 0 || stream > 255) {
            throw new IllegalArgumentException("stream " + stream);
        }
    }
}
