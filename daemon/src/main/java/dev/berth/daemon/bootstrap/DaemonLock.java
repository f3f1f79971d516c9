package dev.berth.daemon.bootstrap;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The exclusive locks that make one berthd the only one on its root, its run root and its sockets: a
 * second berthd on any of them would run recovery again, replace the sockets (leaving the first
 * unreachable) and record every exit twice. Each lock is an fcntl lock on a {@code berthd.lock} file
 * holding the owner's pid, kept until the process ends, when the kernel drops it (kill -9 included), so a
 * lock never outlives its berthd. A socket's lock is SOCKET.lock beside it, wherever it is: two berthds with
 * their own roots may still be pointed at one socket path.
 */
final class DaemonLock {
    static final String FILE_NAME = "berthd.lock";

    /** Open for the process's life: closing a channel, or its being collected, drops its lock. */
    private final List<FileChannel> held;

    private DaemonLock(List<FileChannel> held) {
        this.held = held;
    }

    /**
     * Locks each of {@code dirs} (ROOT, RUN_ROOT) and each of {@code sockets}; FAILED_PRECONDITION naming the lock
     * file and the pid of the berthd holding it when another process holds one.
     */
    static DaemonLock acquire(List<Path> dirs, List<Path> sockets) {
        Set<Path> files = new LinkedHashSet<>();
        for (Path dir : dirs) {
            files.add(dir.toAbsolutePath().normalize().resolve(FILE_NAME));
        }
        for (Path socket : sockets) {
            Path abs = socket.toAbsolutePath().normalize();
            files.add(abs.resolveSibling(abs.getFileName() + ".lock"));
        }
        List<FileChannel> held = new ArrayList<>();
        try {
            for (Path file : files) {
                held.add(lock(file));
            }
        } catch (RuntimeException e) {
            held.forEach(DaemonLock::closeQuietly);
            throw e;
        }
        return new DaemonLock(held);
    }

    private static FileChannel lock(Path file) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            // root's alone, as everything below ROOT and RUN_ROOT (HostFilesAccessIT's audit)
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                closeQuietly(channel);
                throw BerthException.conflict("lock " + file + ": held by berthd pid " + holder(file)
                        + "; one berthd per root, run root and socket");
            }
            // The pid is written after the lock is ours, so it is never a stale owner's.
            channel.truncate(0);
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.write(ByteBuffer.wrap(pid), 0);
            channel.force(false);
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, "lock " + file + ": " + e, e);
        }
    }

    /** The pid the lock's owner wrote, or "unknown" in the moment between its lock and its write. */
    private static String holder(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return pid.matches("\\d+") ? pid : "unknown";
        } catch (NoSuchFileException e) {
            return "unknown";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // releasing: nothing to undo
        }
    }
}
