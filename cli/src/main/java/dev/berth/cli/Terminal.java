package dev.berth.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Raw mode for {@code -t} through stty(1) on the terminal that is our stdin: the JDK has no termios and
 * a native binding would cost more start-up than the two forks.
 */
public final class Terminal implements AutoCloseable {
    private final String saved;
    private final Thread restoreHook;
    private boolean restored;

    private Terminal(String saved) {
        this.saved = saved;
        this.restoreHook = new Thread("berth-tty-restore") {
            @Override
            public void run() {
                restore();
            }
        };
    }

    /** Puts stdin's terminal in raw mode; null when stdin is not a terminal (then nothing changes). */
    public static Terminal enterRaw() {
        String saved = stty("-g");
        if (saved == null || saved.isBlank()) {
            return null;
        }
        Terminal t = new Terminal(saved.trim());
        Runtime.getRuntime().addShutdownHook(t.restoreHook);
        if (stty("raw", "-echo") == null) {
            t.close();
            return null;
        }
        return t;
    }

    /** "ROWS COLS" of stdin's terminal, or null. */
    public static String size() {
        String s = stty("size");
        if (s == null) {
            return null;
        }
        s = s.trim();
        int sp = s.indexOf(' ');
        if (sp <= 0) {
            return null;
        }
        try {
            Integer.parseInt(s.substring(0, sp));
            Integer.parseInt(s.substring(sp + 1).trim());
        } catch (NumberFormatException e) {
            return null;
        }
        return s;
    }

    /**
     * Whether our file descriptor 1 or 2 is a terminal: test(1) inherits it. A fork, but only pull asks,
     * and the JDK's own answer (System.console) needs stdin to be a terminal too.
     */
    public static boolean isTerminal(int fd) {
        ProcessBuilder pb = new ProcessBuilder("test", "-t", Integer.toString(fd));
        if (fd == 1) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.DISCARD);
        } else {
            pb.redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        try {
            return pb.start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Calls {@code onResize} on every SIGWINCH. */
    public static void onResize(final Runnable onResize) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), new sun.misc.SignalHandler() {
                @Override
                public void handle(sun.misc.Signal sig) {
                    onResize.run();
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGWINCH here: the initial size is all the container gets
        }
    }

    private synchronized void restore() {
        if (!restored) {
            restored = true;
            stty(saved);
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook restores too, harmlessly
        }
    }

    /** Runs stty with our stdin; its stdout, or null when it fails (stdin is not a terminal). */
    static String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = p.getInputStream()) {
                byte[] b = new byte[512];
                int n;
                while ((n = in.read(b)) > 0) {
                    out.write(b, 0, n);
                }
            }
            if (p.waitFor() != 0) {
                return null;
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
