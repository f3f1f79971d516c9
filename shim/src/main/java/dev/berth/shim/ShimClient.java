package dev.berth.shim;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Talks to the shim of one container through {@code STATE/shim.sock} (docs/shim-protocol.md). */
public final class ShimClient {
    private static final int MAX_LINE = 4096;

    private final Path stateDir;
    private final String id;

    /** @param stateDir the shim's state directory, named after the container id */
    public ShimClient(Path stateDir) {
        this.stateDir = stateDir;
        this.id = String.valueOf(stateDir.getFileName());
    }

    /** Streams the container's output from now on, and takes its stdin and resize frames. */
    public FrameStream attach() {
        Reply r = request("ATTACH", "attach to container " + id);
        if (!r.line.equals("OK")) {
            r.close();
            throw failure("attach to container " + id, r.line);
        }
        return new FrameStream(r.channel, r.rest);
    }

    /**
     * Runs the process described by an OCI process.json in the container; the session carries its
     * stdio and ends with its exit code.
     */
    public ExecSession exec(Path processJson, boolean tty) {
        String op = "exec in container " + id;
        String path = processJson.toAbsolutePath().toString();
        if (path.contains("\n")) {
            throw BerthException.invalid(op + ": bad process path " + path);
        }
        Reply r = request("EXEC " + path + " " + (tty ? 1 : 0), op);
        if (!r.line.startsWith("OK ")) {
            r.close();
            throw failure(op, r.line);
        }
        int pid;
        try {
            pid = Integer.parseInt(r.line.substring(3).trim());
        } catch (NumberFormatException e) {
            r.close();
            throw BerthException.internal(op + ": bad reply " + r.line, e);
        }
        return new ExecSession(r.channel, r.rest, pid);
    }

    /**
     * Sends signal {@code signal} to the container's init: the shim, its parent, signals it while its pid cannot
     * have been reused. FAILED_PRECONDITION once the init has exited.
     */
    public void signal(int signal) {
        String op = "signal " + signal + " to container " + id;
        Reply r = request("SIGNAL " + signal, op);
        r.close();
        if (r.line.equals("ERROR container has exited")) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, op + ": it has exited");
        }
        if (!r.line.equals("OK")) {
            throw failure(op, r.line);
        }
    }

    /** Makes the shim reopen its log file, after the file was rotated by someone else. */
    public void reopenLog() {
        Reply r = request("REOPEN", "reopen log of container " + id);
        r.close();
        if (!r.line.equals("OK")) {
            throw failure("reopen log of container " + id, r.line);
        }
    }

    /** The shim's pid from {@code shim.pid}, if that process is alive and is this container's shim. */
    public Optional<Integer> shimPid() {
        return readShimPid(stateDir);
    }

    /**
     * Empty when there is no shim.pid or its process is not this shim; INTERNAL when the file cannot be read or
     * holds no pid (the shim writes it atomically, so something else damaged it): whether the shim lives is then
     * unknown, not no.
     */
    static Optional<Integer> readShimPid(Path stateDir) {
        Path file = stateDir.resolve("shim.pid");
        String text;
        try {
            text = Files.readString(file).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BerthException.internal("read shim pid of container " + stateDir.getFileName() + ": " + file
                    + ": " + BerthException.describe(e), e);
        }
        try {
            int pid = Integer.parseInt(text);
            return isShimOf(pid, stateDir) ? Optional.of(pid) : Optional.empty();
        } catch (NumberFormatException e) {
            throw BerthException.internal("read shim pid of container " + stateDir.getFileName() + ": " + file
                    + " holds no pid (" + (text.isEmpty() ? "it is empty" : text.length() + " other bytes") + ")", e);
        }
    }

    /**
     * Whether process {@code pid} is the shim keeping {@code stateDir}: a pid alone is not enough, since a dead
     * shim's pid may be reused by any process, which would then pass for the shim and keep its container
     * "running". Its command line (/proc/PID/cmdline) names this state directory, which only this container's
     * shim is given (whatever shim_path calls the binary); shims started by earlier berthds were given it too.
     */
    static boolean isShimOf(int pid, Path stateDir) {
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"));
        } catch (IOException e) {
            return false;
        }
        String[] argv = new String(cmdline, StandardCharsets.UTF_8).split("\0");
        String dir = stateDir.toAbsolutePath().normalize().toString();
        for (int i = 1; i + 1 < argv.length; i++) {
            if (argv[i].equals("--state-dir") && Path.of(argv[i + 1]).normalize().toString().equals(dir)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a shim accepts connections on this state directory's socket: only a live one does (a dead one's
     * socket file refuses), so this tells a live shim whose shim.pid was damaged from a dead one.
     */
    public boolean listening() {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(stateDir.resolve("shim.sock")));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static BerthException failure(String op, String line) {
        if (line.startsWith("ERROR ")) {
            return BerthException.invalid(op + ": " + line.substring(6));
        }
        return BerthException.internal(op + ": unexpected reply from shim: " + line, null);
    }

    private record Reply(SocketChannel channel, String line, ByteBuffer rest) {
        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** Sends one request line and reads the reply line; bytes after it stay in {@code rest}. */
    private Reply request(String line, String op) {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw BerthException.internal(op + ": " + e.getMessage(), e);
        }
        try {
            ch.connect(UnixDomainSocketAddress.of(stateDir.resolve("shim.sock")));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    op + ": shim not reachable: " + e.getMessage(), e);
        }
        try {
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(MAX_LINE);
            while (true) {
                for (int i = 0; i < in.position(); i++) {
                    if (in.get(i) == '\n') {
                        String reply = new String(in.array(), 0, i, StandardCharsets.UTF_8);
                        in.flip().position(i + 1);
                        return new Reply(ch, reply, in.slice());
                    }
                }
                if (!in.hasRemaining() || ch.read(in) < 0) {
                    throw new IOException("shim closed the connection without a reply");
                }
            }
        } catch (IOException e) {
            closeQuietly(ch);
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
