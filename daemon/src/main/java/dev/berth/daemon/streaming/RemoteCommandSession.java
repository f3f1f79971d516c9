package dev.berth.daemon.streaming;

import dev.berth.shim.Frame;
import dev.berth.shim.FrameStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One exec or attach, independent of the wire protocol. The shim's streams block, so a session has two
 * threads of its own: one opens the stream and then writes stdin and resizes in arrival order, the
 * other reads the output and hands it to the client side.
 */
final class RemoteCommandSession {
    private static final System.Logger LOG = System.getLogger(RemoteCommandSession.class.getName());
    /** Stdin bytes queued for the process before the client connection stops being read. */
    private static final long INPUT_HIGH_WATER = 1024 * 1024;
    private static final long INPUT_LOW_WATER = 256 * 1024;

    /** The protocol side; called from the session's threads. */
    interface Client {
        void stdout(byte[] data);

        void stderr(byte[] data);

        /** Writes the final status on the error stream and ends the connection. */
        void finish(byte[] status);

        /** Blocks while the client connection has too much unsent output. */
        void awaitWritable() throws InterruptedException;

        /** Stops (or resumes) reading from the client while the process does not take its stdin. */
        void pauseInput(boolean paused);
    }

    private final CommandTarget target;
    private final StreamingBackend backend;
    private final Client client;
    private final ExecutorService input;
    private final AtomicLong queuedInput = new AtomicLong();
    private volatile FrameStream stream;
    private volatile boolean cancelled;

    RemoteCommandSession(CommandTarget target, StreamingBackend backend, Client client) {
        this.target = target;
        this.backend = backend;
        this.client = client;
        this.input = Executors.newSingleThreadExecutor(r -> daemonThread(r, "stream-in-" + target.containerId()));
    }

    void start() {
        input.execute(this::open);
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void open() {
        FrameStream s;
        try {
            s = target.open(backend);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "streaming " + target.operation() + ": " + e.getMessage());
            client.finish(CommandStatus.failure(e.getMessage()));
            input.shutdown();
            return;
        }
        stream = s;
        if (cancelled) {
            close();
            return;
        }
        LOG.log(Level.DEBUG, "streaming " + target.operation() + " started");
        daemonThread(this::pump, "stream-out-" + target.containerId()).start();
    }

    /** Copies output frames to the client until the stream ends, then reports how it ended. */
    private void pump() {
        Streams wanted = target.streams();
        Integer exitCode = null;
        byte[] status;
        try {
            for (Frame f; (f = stream.read()) != null; ) {
                switch (f.stream()) {
                    case Frame.STDOUT -> {
                        if (wanted.stdout()) {
                            client.awaitWritable();
                            client.stdout(f.payload());
                        }
                    }
                    case Frame.STDERR -> {
                        if (wanted.stderr()) {
                            client.awaitWritable();
                            client.stderr(f.payload());
                        }
                    }
                    case Frame.EXIT -> exitCode = parseExit(f.payload());
                    default -> LOG.log(Level.DEBUG, target.operation() + ": ignoring frame on stream " + f.stream());
                }
            }
            if (!target.reportsExitCode()) {
                status = CommandStatus.success();
            } else if (exitCode == null) {
                status = CommandStatus.failure(target.operation() + ": the shim's stream ended before the exit status");
            } else {
                status = CommandStatus.exitCode(exitCode);
            }
        } catch (IOException e) {
            if (cancelled) {
                close();
                return;
            }
            LOG.log(Level.WARNING, "streaming " + target.operation() + ": read output: " + e.getMessage());
            status = CommandStatus.failure(target.operation() + ": read output: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return;
        }
        if (!cancelled) {
            client.finish(status);
        }
        LOG.log(Level.DEBUG, "streaming " + target.operation() + " ended" + (exitCode == null ? "" : ", exit " + exitCode));
        close();
    }

    private int parseExit(byte[] payload) throws IOException {
        String text = new String(payload, StandardCharsets.US_ASCII).trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IOException("bad exit frame \"" + text + "\"");
        }
    }

    /** Data for the process's stdin; empty data is not forwarded, as the shim reads it as end of input. */
    void stdin(byte[] data) {
        if (data.length == 0 || !target.streams().stdin()) {
            return;
        }
        if (queuedInput.addAndGet(data.length) > INPUT_HIGH_WATER) {
            client.pauseInput(true);
        }
        submit("write stdin", () -> {
            try {
                stream.write(Frame.STDIN, data);
            } finally {
                if (queuedInput.addAndGet(-data.length) < INPUT_LOW_WATER) {
                    client.pauseInput(false);
                }
            }
        });
    }

    void closeStdin() {
        if (target.streams().stdin()) {
            submit("close stdin", () -> stream.closeStdin());
        }
    }

    void resize(TerminalSize size) {
        if (target.streams().tty()) {
            submit("resize", () -> stream.resize(size.height(), size.width()));
        }
    }

    private interface Input {
        void run() throws IOException;
    }

    private void submit(String what, Input task) {
        try {
            input.execute(() -> {
                if (stream == null || cancelled) {
                    return;
                }
                try {
                    task.run();
                } catch (IOException e) {
                    // The process may have ended with input still in flight: not worth more than a debug line.
                    LOG.log(Level.DEBUG, target.operation() + ": " + what + ": " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, target.operation() + ": " + what + " after the session ended");
        }
    }

    /** The client went away: stops the stream; the process itself is left to the shim. */
    void cancel() {
        cancelled = true;
        close();
    }

    private void close() {
        input.shutdown();
        FrameStream s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, target.operation() + ": close stream: " + e.getMessage());
            }
        }
    }
}
