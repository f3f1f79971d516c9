package dev.berth.shim;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Learns of container exits from their shims: one WAIT connection per container, all served by one
 * thread and one selector, so hundreds of containers cost no thread each. Callbacks run on that
 * thread and must not block.
 */
public final class ShimExitMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ShimExitMonitor.class.getName());
    private static final int MAX_REPLY = 4096;
    /** Connection attempts while the shim is alive but not accepting (a full listen backlog). */
    private static final int MAX_ATTEMPTS = 50;
    private static final long RETRY_MS = 100;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Watch> incoming = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> pings = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Watch> retries = new PriorityQueue<>((a, b) -> Long.compare(a.retryAt, b.retryAt));
    private volatile boolean closed;

    private static final class Watch {
        final String id;
        final Path stateDir;
        final Consumer<WatchResult> onExit;
        SocketChannel channel;
        final ByteBuffer out = ByteBuffer.wrap("WAIT\n".getBytes(StandardCharsets.US_ASCII));
        final ByteBuffer in = ByteBuffer.allocate(MAX_REPLY);
        int attempts;
        long retryAt;

        Watch(String id, Path stateDir, Consumer<WatchResult> onExit) {
            this.id = id;
            this.stateDir = stateDir;
            this.onExit = onExit;
        }
    }

    public ShimExitMonitor() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thread = new Thread(this::run, "shim-exit-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watches the container whose shim keeps {@code stateDir}; {@code onExit} is called exactly once:
     * with the exit status, or with "shim died" (and the status from {@code STATE/exit} if the shim
     * wrote one) when the shim went away without answering.
     */
    public void watch(String id, Path stateDir, Consumer<WatchResult> onExit) {
        if (closed) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                    "watch container " + id + ": exit monitor is closed");
        }
        incoming.add(new Watch(id, stateDir, onExit));
        selector.wakeup();
    }

    /**
     * Completes on the monitor's own thread once it passes through its loop: a liveness check for
     * berthd's watchdog, since a stuck monitor means exits are no longer recorded.
     */
    public CompletableFuture<Void> ping() {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        pings.add(answered);
        selector.wakeup();
        return answered;
    }

    private void run() {
        while (!closed) {
            try {
                long timeout = 0;
                if (!retries.isEmpty()) {
                    timeout = Math.max(1, retries.peek().retryAt - System.currentTimeMillis());
                }
                selector.select(timeout);
                for (CompletableFuture<Void> p; (p = pings.poll()) != null; ) {
                    p.complete(null);
                }
                for (Watch w; (w = incoming.poll()) != null; ) {
                    start(w);
                }
                long now = System.currentTimeMillis();
                while (!retries.isEmpty() && retries.peek().retryAt <= now) {
                    start(retries.poll());
                }
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    handle(k);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "shim exit monitor: " + e, e);
            }
        }
    }

    private void start(Watch w) {
        w.attempts++;
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            w.channel = ch;
            ch.configureBlocking(false);
            boolean connected = ch.connect(UnixDomainSocketAddress.of(w.stateDir.resolve("shim.sock")));
            ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, w);
        } catch (IOException e) {
            connectFailed(w, e);
        }
    }

    private void connectFailed(Watch w, IOException e) {
        closeChannel(w);
        Optional<ExitStatus> st = readExit(w);
        if (st.isPresent()) {
            finish(w, st, WatchResult.EXITED);
        } else if (w.attempts < MAX_ATTEMPTS && shimAlive(w)) {
            w.retryAt = System.currentTimeMillis() + RETRY_MS;
            retries.add(w);
        } else {
            LOG.log(System.Logger.Level.WARNING, "container {0}: shim not reachable: {1}", w.id, e.getMessage());
            finish(w, Optional.empty(), WatchResult.SHIM_DIED);
        }
    }

    /** A shim whose socket refuses and whose pid is unreadable is taken for dead, as one without a pid. */
    private static boolean shimAlive(Watch w) {
        try {
            return ShimClient.readShimPid(w.stateDir).isPresent();
        } catch (BerthException e) {
            LOG.log(System.Logger.Level.WARNING, "container {0}: {1}", w.id, e.getMessage());
            return false;
        }
    }

    private void handle(SelectionKey k) {
        Watch w = (Watch) k.attachment();
        try {
            if (k.isConnectable()) {
                if (!w.channel.finishConnect()) {
                    return;
                }
                k.interestOps(SelectionKey.OP_WRITE);
            }
            if (k.isValid() && k.isWritable()) {
                w.channel.write(w.out);
                if (!w.out.hasRemaining()) {
                    k.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (k.isValid() && k.isReadable()) {
                int n = w.channel.read(w.in);
                for (int i = 0; i < w.in.position(); i++) {
                    if (w.in.get(i) == '\n') {
                        String line = new String(w.in.array(), 0, i, StandardCharsets.UTF_8);
                        closeChannel(w);
                        replied(w, line);
                        return;
                    }
                }
                if (n < 0 || !w.in.hasRemaining()) {
                    closeChannel(w);
                    Optional<ExitStatus> st = readExit(w);
                    finish(w, st, st.isPresent() ? WatchResult.EXITED : WatchResult.SHIM_DIED);
                }
            }
        } catch (IOException e) {
            if (w.in.position() == 0 && k.isValid() && (k.interestOps() & SelectionKey.OP_READ) == 0) {
                connectFailed(w, e);
            } else {
                closeChannel(w);
                Optional<ExitStatus> st = readExit(w);
                finish(w, st, st.isPresent() ? WatchResult.EXITED : WatchResult.SHIM_DIED);
            }
        }
    }

    private void replied(Watch w, String line) {
        try {
            finish(w, Optional.of(ExitStatus.parse(line, w.id)), WatchResult.EXITED);
        } catch (BerthException e) {
            LOG.log(System.Logger.Level.WARNING, "container {0}: {1}", w.id, e.getMessage());
            Optional<ExitStatus> st = readExit(w);
            finish(w, st, st.isPresent() ? WatchResult.EXITED : WatchResult.SHIM_DIED);
        }
    }

    private static Optional<ExitStatus> readExit(Watch w) {
        try {
            return ExitStatus.read(w.stateDir);
        } catch (BerthException e) {
            LOG.log(System.Logger.Level.WARNING, "container {0}: {1}", w.id, e.getMessage());
            return Optional.empty();
        }
    }

    private static void finish(Watch w, Optional<ExitStatus> st, String reason) {
        try {
            w.onExit.accept(new WatchResult(w.id, st, reason));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "container " + w.id + ": exit callback failed: " + e, e);
        }
    }

    private static void closeChannel(Watch w) {
        if (w.channel != null) {
            try {
                w.channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** Stops watching; callbacks not yet made are dropped (the shims keep their exit files). */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey k : selector.keys()) {
            closeChannel((Watch) k.attachment());
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
